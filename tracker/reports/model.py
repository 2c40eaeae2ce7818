"""What extraction finds in an inspection report. Plain data: no Flask, no database."""

from dataclasses import asdict, dataclass, field


@dataclass(frozen=True)
class Rating:
    code: str  # "1.1"
    domain: str  # "Organisational delivery"
    standard: str  # "Governance and leadership"
    rating: str  # the word as the report writes it: "Requires improvement"


@dataclass(frozen=True)
class Recommendation:
    number: int
    addressee: str | None  # "The Probation Service", without "should:"
    text: str
    position: int  # character offset of the recommendation in the source text
    # The list names no addressee, so it is the body the report inspects ("The local
    # authority"): shown as implied, for the reviewer to confirm.
    addressee_implied: bool = False
    timescale: str | None = None  # "Within three months", when the report gives one


@dataclass(frozen=True)
class Finding:
    code: str  # the standard ("1.1") or domain ("1") it is about, or a section's name
    kind: str  # "strength" or "improvement"
    text: str
    position: int  # character offset in the source text


@dataclass
class Extraction:
    """Everything read from one report, with warnings about what did not add up."""

    service: str | None = None
    inspectorate: str | None = None
    title: str | None = None
    published: str | None = None  # ISO 8601, to the month where the report gives a month
    overall_rating: str | None = None
    score: tuple[int, int] | None = None  # (total, maximum)
    ratings: list[Rating] = field(default_factory=list)
    recommendations: list[Recommendation] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    foreword: str = ""
    foreword_signatory: str = ""
    foreword_signatory_role: str = ""
    warnings: list[str] = field(default_factory=list)

    def as_json(self) -> dict:
        """The published shape of `flask extract`."""
        return {
            "service": self.service,
            "inspectorate": self.inspectorate,
            "title": self.title,
            "published": self.published,
            "overall_rating": self.overall_rating,
            "score": {"total": self.score[0], "max": self.score[1]} if self.score else None,
            "ratings": [asdict(rating) for rating in self.ratings],
            "recommendations": [
                {
                    "number": r.number,
                    "addressee": r.addressee,
                    "addressee_implied": r.addressee_implied,
                    "text": r.text,
                    "timescale": r.timescale,
                }
                for r in self.recommendations
            ],
            "findings": [{"code": f.code, "kind": f.kind, "text": f.text} for f in self.findings],
            "warnings": list(self.warnings),
        }
