"""The tracker's schema, one sqlite-utils migration per step.

A step that has landed is never edited: change the schema by adding the next step.
"""

from sqlite_utils import Database, Migrations

migrations = Migrations("tracker")


@migrations()
def m001_initial(db: Database) -> None:
    """Boards, inspections, plans, people, progress updates, users and the audit log."""
    db.executescript(
        """
        CREATE TABLE boards (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE CHECK (length(trim(name)) BETWEEN 1 AND 200),
            council TEXT NOT NULL DEFAULT '' CHECK (length(council) <= 200),
            created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
        );

        CREATE TABLE services (
            id INTEGER PRIMARY KEY,
            board_id INTEGER NOT NULL REFERENCES boards(id),
            name TEXT NOT NULL CHECK (length(trim(name)) BETWEEN 1 AND 200),
            UNIQUE (board_id, name)
        );

        -- Rating scales and standards are data: frameworks change between years.
        CREATE TABLE rating_scales (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE
        );

        CREATE TABLE rating_levels (
            id INTEGER PRIMARY KEY,
            scale_id INTEGER NOT NULL REFERENCES rating_scales(id),
            label TEXT NOT NULL,
            score INTEGER,            -- NULL where the scale is not scored
            position INTEGER NOT NULL,
            UNIQUE (scale_id, label)
        );

        CREATE TABLE frameworks (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE,
            inspectorate TEXT NOT NULL,
            scale_id INTEGER NOT NULL REFERENCES rating_scales(id)
        );

        CREATE TABLE standards (
            id INTEGER PRIMARY KEY,
            framework_id INTEGER NOT NULL REFERENCES frameworks(id),
            code TEXT NOT NULL,                 -- "1.1"
            domain TEXT NOT NULL,               -- "Organisational delivery"
            name TEXT NOT NULL,                 -- "Governance and leadership"
            counts_towards_score INTEGER NOT NULL DEFAULT 1 CHECK (counts_towards_score IN (0, 1)),
            position INTEGER NOT NULL,
            UNIQUE (framework_id, code)
        );

        CREATE TABLE inspections (
            id INTEGER PRIMARY KEY,
            service_id INTEGER NOT NULL REFERENCES services(id),
            framework_id INTEGER REFERENCES frameworks(id),
            inspectorate TEXT NOT NULL,
            title TEXT NOT NULL CHECK (length(trim(title)) >= 1),
            -- ISO 8601 dates, to the month where the report gives only a month ("2022-05").
            fieldwork_started TEXT,
            fieldwork_ended TEXT,
            published TEXT,
            overall_rating TEXT,
            score INTEGER,
            max_score INTEGER,
            foreword TEXT NOT NULL DEFAULT '',
            foreword_signatory TEXT NOT NULL DEFAULT '',
            foreword_signatory_role TEXT NOT NULL DEFAULT '',
            source_name TEXT NOT NULL DEFAULT '',
            source_text TEXT NOT NULL DEFAULT '',
            created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
        );

        CREATE TABLE ratings (
            id INTEGER PRIMARY KEY,
            inspection_id INTEGER NOT NULL REFERENCES inspections(id),
            standard_id INTEGER NOT NULL REFERENCES standards(id),
            rating TEXT NOT NULL,               -- the word as written in the report
            UNIQUE (inspection_id, standard_id)
        );

        CREATE TABLE findings (
            id INTEGER PRIMARY KEY,
            inspection_id INTEGER NOT NULL REFERENCES inspections(id),
            section TEXT NOT NULL,              -- a standard code or a section name
            kind TEXT NOT NULL CHECK (kind IN ('strength', 'improvement')),
            text TEXT NOT NULL CHECK (length(trim(text)) >= 1),
            position INTEGER                    -- character offset in the source text
        );

        CREATE TABLE plans (
            id INTEGER PRIMARY KEY,
            board_id INTEGER NOT NULL REFERENCES boards(id),
            inspection_id INTEGER REFERENCES inspections(id),
            title TEXT NOT NULL CHECK (length(trim(title)) BETWEEN 1 AND 300),
            period TEXT NOT NULL DEFAULT '',    -- as the board writes it: "2022-2023"
            current_quarter TEXT,               -- "2022/23 Q3"
            created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
        );

        CREATE TABLE recommendations (
            id INTEGER PRIMARY KEY,
            plan_id INTEGER NOT NULL REFERENCES plans(id),
            number INTEGER,
            text TEXT NOT NULL CHECK (length(trim(text)) BETWEEN 1 AND 5000),
            addressee TEXT,                     -- NULL for the board's own recommendations
            origin TEXT NOT NULL CHECK (origin IN ('inspectorate', 'local')),
            position INTEGER NOT NULL,
            source_position INTEGER             -- character offset in the inspection's source text
        );
        CREATE INDEX recommendations_by_plan ON recommendations (plan_id, position);

        -- A key line of enquiry links a recommendation to a finding (one finding can serve
        -- several recommendations) or stands as free text; text holds the plan's wording.
        CREATE TABLE key_lines (
            id INTEGER PRIMARY KEY,
            recommendation_id INTEGER NOT NULL REFERENCES recommendations(id),
            finding_id INTEGER REFERENCES findings(id),
            text TEXT NOT NULL CHECK (length(trim(text)) BETWEEN 1 AND 5000),
            position INTEGER NOT NULL
        );
        CREATE INDEX key_lines_by_recommendation ON key_lines (recommendation_id, position);
        CREATE INDEX key_lines_by_finding ON key_lines (finding_id);

        CREATE TABLE people (
            id INTEGER PRIMARY KEY,
            board_id INTEGER NOT NULL REFERENCES boards(id),
            name TEXT NOT NULL CHECK (length(trim(name)) BETWEEN 1 AND 200),
            job_title TEXT NOT NULL DEFAULT '' CHECK (length(job_title) <= 200),
            organisation TEXT NOT NULL DEFAULT '' CHECK (length(organisation) <= 200),
            email TEXT CHECK (email IS NULL OR length(email) <= 254)
        );
        CREATE INDEX people_by_board ON people (board_id, name);

        -- No champion of a kind is shown as "TBC"; there is no placeholder row.
        CREATE TABLE champions (
            id INTEGER PRIMARY KEY,
            recommendation_id INTEGER NOT NULL REFERENCES recommendations(id),
            person_id INTEGER NOT NULL REFERENCES people(id),
            kind TEXT NOT NULL CHECK (kind IN ('board', 'service')),
            position INTEGER NOT NULL,
            UNIQUE (recommendation_id, person_id, kind)
        );
        CREATE INDEX champions_by_person ON champions (person_id);

        CREATE TABLE quarters (
            id INTEGER PRIMARY KEY,
            plan_id INTEGER NOT NULL REFERENCES plans(id),
            label TEXT NOT NULL,                -- "2022/23 Q3"
            starts_on TEXT NOT NULL,
            ends_on TEXT NOT NULL,
            update_deadline TEXT,
            board_meeting_on TEXT,
            locked_at TEXT,
            locked_by INTEGER REFERENCES users(id),
            UNIQUE (plan_id, label)
        );

        -- Append-only: a change to an update is a new revision row.
        CREATE TABLE progress_updates (
            id INTEGER PRIMARY KEY,
            recommendation_id INTEGER NOT NULL REFERENCES recommendations(id),
            quarter_id INTEGER NOT NULL REFERENCES quarters(id),
            revision INTEGER NOT NULL CHECK (revision >= 1),
            status TEXT,                        -- a key of the board's BRAG key: "red", "green"
            state TEXT NOT NULL CHECK (state IN ('draft', 'submitted', 'approved', 'returned')),
            narrative TEXT NOT NULL DEFAULT '' CHECK (length(narrative) <= 20000),
            impact TEXT NOT NULL DEFAULT '' CHECK (length(impact) <= 20000),
            next_steps TEXT NOT NULL DEFAULT '' CHECK (length(next_steps) <= 20000),
            corrective_action TEXT NOT NULL DEFAULT '' CHECK (length(corrective_action) <= 20000),
            review_note TEXT NOT NULL DEFAULT '' CHECK (length(review_note) <= 5000),
            is_sample INTEGER NOT NULL DEFAULT 0 CHECK (is_sample IN (0, 1)),
            author_id INTEGER REFERENCES users(id),
            created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
            UNIQUE (recommendation_id, quarter_id, revision)
        );
        CREATE TRIGGER progress_updates_are_append_only_update
        BEFORE UPDATE ON progress_updates
        BEGIN SELECT RAISE(ABORT, 'progress updates are append-only'); END;
        CREATE TRIGGER progress_updates_are_append_only_delete
        BEFORE DELETE ON progress_updates
        BEGIN SELECT RAISE(ABORT, 'progress updates are append-only'); END;

        CREATE TABLE users (
            id INTEGER PRIMARY KEY,
            email TEXT NOT NULL UNIQUE COLLATE NOCASE CHECK (length(email) BETWEEN 3 AND 254),
            name TEXT NOT NULL DEFAULT '',
            password_hash TEXT NOT NULL,
            created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
        );

        CREATE TABLE memberships (
            id INTEGER PRIMARY KEY,
            user_id INTEGER NOT NULL REFERENCES users(id),
            board_id INTEGER NOT NULL REFERENCES boards(id),
            role TEXT NOT NULL CHECK (role IN ('administrator', 'champion', 'scrutiny')),
            person_id INTEGER REFERENCES people(id),   -- who the user is in the board's directory
            UNIQUE (user_id, board_id)
        );

        -- A signed-in session; the cookie holds only its random token, so signing out
        -- revokes it on the server and an old cookie cannot be replayed.
        CREATE TABLE sessions (
            token TEXT PRIMARY KEY,
            user_id INTEGER NOT NULL REFERENCES users(id),
            created_at TEXT NOT NULL,
            expires_at TEXT NOT NULL,
            ended_at TEXT
        );
        CREATE INDEX sessions_by_user ON sessions (user_id);

        CREATE TABLE sign_in_attempts (
            id INTEGER PRIMARY KEY,
            email TEXT NOT NULL COLLATE NOCASE,
            remote_addr TEXT NOT NULL DEFAULT '',
            succeeded INTEGER NOT NULL CHECK (succeeded IN (0, 1)),
            attempted_at TEXT NOT NULL
        );
        CREATE INDEX sign_in_attempts_by_email ON sign_in_attempts (email, attempted_at);

        CREATE TABLE audit_log (
            id INTEGER PRIMARY KEY,
            at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
            user_id INTEGER REFERENCES users(id),
            board_id INTEGER REFERENCES boards(id),
            action TEXT NOT NULL CHECK (action IN ('insert', 'update', 'delete')),
            table_name TEXT NOT NULL,
            row_id INTEGER,
            before TEXT,                        -- JSON of the row before, NULL for an insert
            after TEXT                          -- JSON of the row after, NULL for a delete
        );
        CREATE INDEX audit_log_by_board ON audit_log (board_id, at);
        CREATE TRIGGER audit_log_is_append_only_update
        BEFORE UPDATE ON audit_log
        BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
        CREATE TRIGGER audit_log_is_append_only_delete
        BEFORE DELETE ON audit_log
        BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
        """
    )


@migrations()
def m002_report_imports(db: Database) -> None:
    """Uploaded reports and the draft plans being reviewed from them."""
    db.executescript(
        """
        CREATE TABLE report_imports (
            id INTEGER PRIMARY KEY,
            board_id INTEGER NOT NULL REFERENCES boards(id),
            uploaded_by INTEGER REFERENCES users(id),
            filename TEXT NOT NULL DEFAULT '' CHECK (length(filename) <= 255),
            text_sha256 TEXT NOT NULL,
            source_text TEXT NOT NULL,
            draft TEXT NOT NULL,                -- JSON: the plan as the reviewer has it so far
            plan_id INTEGER REFERENCES plans(id),   -- set when the plan is created
            created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
            updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
            UNIQUE (board_id, text_sha256)
        );
        """
    )


@migrations()
def m003_quarterly_cycle(db: Database) -> None:
    """The board's status key, actions under recommendations, and evidence for updates."""
    db.executescript(
        """
        -- Each board's BRAG key: its words, meanings, colours and order (best first).
        CREATE TABLE status_keys (
            id INTEGER PRIMARY KEY,
            board_id INTEGER NOT NULL REFERENCES boards(id),
            key TEXT NOT NULL CHECK (key IN ('blue', 'green', 'amber', 'red')),
            label TEXT NOT NULL CHECK (length(trim(label)) BETWEEN 1 AND 40),
            meaning TEXT NOT NULL CHECK (length(meaning) <= 200),
            colour TEXT NOT NULL CHECK (length(colour) = 7 AND colour GLOB '#*'
                AND NOT substr(colour, 2) GLOB '*[^0-9a-fA-F]*'),
            position INTEGER NOT NULL,
            in_use INTEGER NOT NULL DEFAULT 1 CHECK (in_use IN (0, 1)),
            UNIQUE (board_id, key)
        );

        ALTER TABLE plans ADD COLUMN uses_actions INTEGER NOT NULL DEFAULT 0
            CHECK (uses_actions IN (0, 1));

        CREATE TABLE actions (
            id INTEGER PRIMARY KEY,
            recommendation_id INTEGER NOT NULL REFERENCES recommendations(id),
            text TEXT NOT NULL CHECK (length(trim(text)) BETWEEN 1 AND 2000),
            owner_id INTEGER REFERENCES people(id),
            target_date TEXT,                   -- ISO date
            status TEXT NOT NULL DEFAULT 'not started'
                CHECK (status IN ('not started', 'in progress', 'done', 'dropped')),
            position INTEGER NOT NULL
        );
        CREATE INDEX actions_by_recommendation ON actions (recommendation_id, position);

        -- Files attached to one revision of an update; stored outside static/ under a random
        -- name, and served only to people who may see the update.
        CREATE TABLE evidence_files (
            id INTEGER PRIMARY KEY,
            update_id INTEGER NOT NULL REFERENCES progress_updates(id),
            original_name TEXT NOT NULL CHECK (length(original_name) BETWEEN 1 AND 255),
            stored_name TEXT NOT NULL UNIQUE,
            content_type TEXT NOT NULL,
            size INTEGER NOT NULL CHECK (size >= 0),
            sha256 TEXT NOT NULL,
            uploaded_by INTEGER REFERENCES users(id),
            uploaded_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
        );
        """
    )


@migrations()
def m004_packs_and_share_links(db: Database) -> None:
    """Board packs kept for locked quarters, and read-only share links for the scrutiny panel."""
    db.executescript(
        """
        -- A pack made for a locked quarter is kept byte for byte, so the paper the board or
        -- the panel read can be downloaded again unchanged. Append-only.
        CREATE TABLE packs (
            id INTEGER PRIMARY KEY,
            plan_id INTEGER NOT NULL REFERENCES plans(id),
            quarter TEXT NOT NULL,
            version TEXT NOT NULL CHECK (version IN ('board', 'scrutiny')),
            with_covering_report INTEGER NOT NULL DEFAULT 0
                CHECK (with_covering_report IN (0, 1)),
            pdf BLOB NOT NULL,
            sha256 TEXT NOT NULL CHECK (length(sha256) = 64),
            size INTEGER NOT NULL CHECK (size > 0),
            made_by INTEGER REFERENCES users(id),
            made_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
            UNIQUE (plan_id, quarter, version, with_covering_report)
        );
        CREATE TRIGGER packs_never_change BEFORE UPDATE ON packs
            BEGIN SELECT RAISE(ABORT, 'a kept pack never changes'); END;
        CREATE TRIGGER packs_never_go BEFORE DELETE ON packs
            BEGIN SELECT RAISE(ABORT, 'a kept pack is never deleted'); END;

        -- A link that opens a plan's scrutiny view without an account. Only the token's
        -- SHA-256 is stored: the token itself is shown once, when the link is made.
        CREATE TABLE share_links (
            id INTEGER PRIMARY KEY,
            plan_id INTEGER NOT NULL REFERENCES plans(id),
            token_sha256 TEXT NOT NULL UNIQUE CHECK (length(token_sha256) = 64),
            label TEXT NOT NULL CHECK (length(trim(label)) BETWEEN 1 AND 200),
            expires_on TEXT NOT NULL,           -- ISO date: the last day the link works
            created_by INTEGER REFERENCES users(id),
            created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
            revoked_at TEXT,
            revoked_by INTEGER REFERENCES users(id),
            last_used_at TEXT,
            use_count INTEGER NOT NULL DEFAULT 0
        );
        CREATE INDEX share_links_by_plan ON share_links (plan_id);
        """
    )


@migrations()
def m005_session_last_use(db: Database) -> None:
    """When each session was last used, so one left idle can be refused."""
    # Sessions opened before this step count as last used when they were opened.
    db.execute("ALTER TABLE sessions ADD COLUMN last_used_at TEXT")


@migrations()
def m006_accounts(db: Database) -> None:
    """Operators, invitations, password resets, two-factor sign-in, and users who leave a board."""
    db.executescript(
        """
        -- Operators run the installation: they create boards and invite each board's first
        -- administrator, and read no plan unless they also have a role on its board.
        ALTER TABLE users ADD COLUMN is_operator INTEGER NOT NULL DEFAULT 0
            CHECK (is_operator IN (0, 1));
        ALTER TABLE users ADD COLUMN last_sign_in_at TEXT;
        -- Two-factor sign-in with an authenticator app. The secret is sealed with a key from
        -- the configuration, so the database alone does not give it away; the last time step
        -- used stops a code being used twice.
        ALTER TABLE users ADD COLUMN totp_secret TEXT;
        ALTER TABLE users ADD COLUMN totp_enabled_at TEXT;
        ALTER TABLE users ADD COLUMN totp_last_step INTEGER;
        ALTER TABLE users ADD COLUMN recovery_codes_made_at TEXT;

        ALTER TABLE boards ADD COLUMN archived_at TEXT;
        ALTER TABLE boards ADD COLUMN requires_two_factor INTEGER NOT NULL DEFAULT 0
            CHECK (requires_two_factor IN (0, 1));

        -- A deactivated member keeps their role on record (and their name on everything they
        -- wrote) but can no longer use the board until reactivated.
        ALTER TABLE memberships ADD COLUMN deactivated_at TEXT;

        -- The memberships that give access today: not deactivated, on a board not archived.
        CREATE VIEW active_memberships AS
            SELECT memberships.* FROM memberships
            JOIN boards ON boards.id = memberships.board_id
            WHERE memberships.deactivated_at IS NULL AND boards.archived_at IS NULL;

        -- An invitation to a board, sent by email with a single-use link. Only the SHA-256 of
        -- the link's token is stored. Resending makes a new token, so an older email's link
        -- stops working.
        CREATE TABLE invitations (
            id INTEGER PRIMARY KEY,
            board_id INTEGER NOT NULL REFERENCES boards(id),
            email TEXT NOT NULL COLLATE NOCASE CHECK (length(email) BETWEEN 3 AND 254),
            name TEXT NOT NULL CHECK (length(trim(name)) BETWEEN 1 AND 200),
            role TEXT NOT NULL CHECK (role IN ('administrator', 'champion', 'scrutiny')),
            person_id INTEGER REFERENCES people(id),
            token_sha256 TEXT NOT NULL UNIQUE CHECK (length(token_sha256) = 64),
            expires_at TEXT NOT NULL,
            invited_by INTEGER REFERENCES users(id),
            created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
            sent_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
            accepted_at TEXT,
            accepted_by INTEGER REFERENCES users(id),
            cancelled_at TEXT
        );
        CREATE UNIQUE INDEX invitations_one_open_per_email
            ON invitations (board_id, email) WHERE accepted_at IS NULL AND cancelled_at IS NULL;
        CREATE INDEX invitations_by_email ON invitations (email);

        -- A single-use link to choose a new password, asked for by the user or sent by an
        -- administrator. Only the SHA-256 of its token is stored.
        CREATE TABLE password_resets (
            id INTEGER PRIMARY KEY,
            user_id INTEGER NOT NULL REFERENCES users(id),
            token_sha256 TEXT NOT NULL UNIQUE CHECK (length(token_sha256) = 64),
            requested_by INTEGER REFERENCES users(id),   -- NULL when the user asked for it
            created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
            expires_at TEXT NOT NULL,
            used_at TEXT
        );
        CREATE INDEX password_resets_by_user ON password_resets (user_id);

        -- Single-use codes for signing in without the authenticator app, stored as keyed hashes.
        CREATE TABLE recovery_codes (
            id INTEGER PRIMARY KEY,
            user_id INTEGER NOT NULL REFERENCES users(id),
            code_hash TEXT NOT NULL CHECK (length(code_hash) = 64),
            used_at TEXT,
            UNIQUE (user_id, code_hash)
        );

        CREATE INDEX sessions_by_expiry ON sessions (expires_at);
        CREATE INDEX sign_in_attempts_by_time ON sign_in_attempts (attempted_at);
        """
    )


@migrations()
def m007_plan_lifecycle(db: Database) -> None:
    """Plans go from draft to live to closed; recommendations can be withdrawn; a closed
    quarter can be reopened, and its packs are kept apart for each time it was closed."""
    db.executescript(
        """
        -- A draft is seen by administrators only, until reporting starts; a closed plan is kept
        -- read only. A plan made before this change went live if it had a current quarter.
        ALTER TABLE plans ADD COLUMN state TEXT NOT NULL DEFAULT 'draft'
            CHECK (state IN ('draft', 'live', 'closed'));
        ALTER TABLE plans ADD COLUMN went_live_at TEXT;
        ALTER TABLE plans ADD COLUMN closed_at TEXT;
        UPDATE plans SET state = 'live', went_live_at = created_at
            WHERE current_quarter IS NOT NULL;

        -- A withdrawn recommendation stays in the plan, with the board's reason, and is left
        -- out of the counts from the quarter it was withdrawn in.
        ALTER TABLE recommendations ADD COLUMN withdrawn_at TEXT;
        ALTER TABLE recommendations ADD COLUMN withdrawn_in_quarter TEXT;
        ALTER TABLE recommendations ADD COLUMN withdrawn_reason TEXT
            CHECK (withdrawn_reason IS NULL OR length(trim(withdrawn_reason)) BETWEEN 1 AND 2000);
        ALTER TABLE recommendations ADD COLUMN withdrawn_by INTEGER REFERENCES users(id);

        -- Each time a closed quarter is opened again, and why. Append-only.
        CREATE TABLE quarter_reopenings (
            id INTEGER PRIMARY KEY,
            quarter_id INTEGER NOT NULL REFERENCES quarters(id),
            reason TEXT NOT NULL CHECK (length(trim(reason)) BETWEEN 1 AND 2000),
            reopened_by INTEGER REFERENCES users(id),
            reopened_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
            was_locked_at TEXT,
            was_locked_by INTEGER REFERENCES users(id)
        );
        CREATE INDEX quarter_reopenings_by_quarter ON quarter_reopenings (quarter_id);
        CREATE TRIGGER quarter_reopenings_never_change BEFORE UPDATE ON quarter_reopenings
            BEGIN SELECT RAISE(ABORT, 'a reopening is a record and never changes'); END;
        CREATE TRIGGER quarter_reopenings_never_go BEFORE DELETE ON quarter_reopenings
            BEGIN SELECT RAISE(ABORT, 'a reopening is a record and is never deleted'); END;

        -- A pack is kept for each closing of its quarter: after a reopening the quarter's
        -- earlier packs stay as they were (superseded) and the next close keeps new ones.
        -- SQLite cannot change a UNIQUE constraint in place, so the table is rebuilt.
        CREATE TABLE packs_by_closing (
            id INTEGER PRIMARY KEY,
            plan_id INTEGER NOT NULL REFERENCES plans(id),
            quarter TEXT NOT NULL,
            closing INTEGER NOT NULL DEFAULT 1 CHECK (closing >= 1),
            version TEXT NOT NULL CHECK (version IN ('board', 'scrutiny')),
            with_covering_report INTEGER NOT NULL DEFAULT 0
                CHECK (with_covering_report IN (0, 1)),
            pdf BLOB NOT NULL,
            sha256 TEXT NOT NULL CHECK (length(sha256) = 64),
            size INTEGER NOT NULL CHECK (size > 0),
            made_by INTEGER REFERENCES users(id),
            made_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
            UNIQUE (plan_id, quarter, closing, version, with_covering_report)
        );
        INSERT INTO packs_by_closing (id, plan_id, quarter, closing, version,
                with_covering_report, pdf, sha256, size, made_by, made_at)
            SELECT id, plan_id, quarter, 1, version, with_covering_report, pdf, sha256, size,
                made_by, made_at
            FROM packs;
        DROP TABLE packs;
        ALTER TABLE packs_by_closing RENAME TO packs;
        CREATE TRIGGER packs_never_change BEFORE UPDATE ON packs
            BEGIN SELECT RAISE(ABORT, 'a kept pack never changes'); END;
        CREATE TRIGGER packs_never_go BEFORE DELETE ON packs
            BEGIN SELECT RAISE(ABORT, 'a kept pack is never deleted'); END;
        """
    )


@migrations()
def m008_scheduled_reminders(db: Database) -> None:
    """Reminders go on a schedule set per plan, each one recorded so that no step is sent
    twice; background jobs that fail for good are recorded for the administrators."""
    db.executescript(
        """
        -- Days before the update deadline on which champions are reminded ("14,3,0": 14 and 3
        -- days before and on the day), and whether they are reminded weekly while overdue.
        ALTER TABLE plans ADD COLUMN reminder_days TEXT NOT NULL DEFAULT '14,3,0'
            CHECK (length(reminder_days) <= 60);
        ALTER TABLE plans ADD COLUMN reminder_overdue_weekly INTEGER NOT NULL DEFAULT 1
            CHECK (reminder_overdue_weekly IN (0, 1));

        -- Each reminder (to a champion) and summary (to an administrator) for one step of a
        -- quarter's schedule ("14-days-before", "on-the-day", "overdue-week-1"...). A row is
        -- claimed ('sending') before the message goes, so a step is never sent twice to the
        -- same address, whoever sends it: the schedule, the cron command or an administrator.
        CREATE TABLE reminders_sent (
            id INTEGER PRIMARY KEY,
            plan_id INTEGER NOT NULL REFERENCES plans(id),
            quarter TEXT NOT NULL,
            quarter_id INTEGER REFERENCES quarters(id),
            kind TEXT NOT NULL CHECK (kind IN ('reminder', 'summary')),
            name TEXT NOT NULL DEFAULT '',
            email TEXT NOT NULL COLLATE NOCASE CHECK (length(email) BETWEEN 3 AND 254),
            step TEXT NOT NULL CHECK (length(step) BETWEEN 1 AND 40),
            recommendation_ids TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(recommendation_ids)),
            sent_by TEXT NOT NULL CHECK (sent_by IN ('schedule', 'command', 'administrator')),
            outcome TEXT NOT NULL CHECK (outcome IN ('sending', 'sent', 'failed')),
            attempts INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
            error TEXT,
            claimed_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
            sent_at TEXT,
            UNIQUE (plan_id, quarter, kind, email, step)
        );
        CREATE INDEX reminders_sent_by_quarter ON reminders_sent (plan_id, quarter);

        -- A background job that failed after its retries, in words, until an administrator
        -- or operator has seen it.
        CREATE TABLE job_failures (
            id INTEGER PRIMARY KEY,
            task TEXT NOT NULL,
            description TEXT NOT NULL,
            error TEXT NOT NULL,
            board_id INTEGER REFERENCES boards(id),
            failed_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
            seen_at TEXT
        );
        """
    )


@migrations()
def m009_background_packs_and_notifications(db: Database) -> None:
    """Board packs made by the job worker and kept until their inputs change; notifications of
    submitted, returned and approved updates as each person chooses; a champion's autosaved
    working copy; evidence taken off a draft; and a per-board evidence quota."""
    db.executescript(
        """
        -- A request for a board pack, made by the job worker. Identical requests share the
        -- one still waiting or rendering; a ready pack is served again while the SHA-256 of
        -- its inputs (the pack's HTML and stylesheet) is unchanged. Only the latest ready pack
        -- of each kind keeps its PDF: these are copies, the record is `packs`.
        CREATE TABLE pack_renders (
            id INTEGER PRIMARY KEY,
            plan_id INTEGER NOT NULL REFERENCES plans(id),
            quarter TEXT NOT NULL,
            version TEXT NOT NULL CHECK (version IN ('board', 'scrutiny')),
            with_covering_report INTEGER NOT NULL DEFAULT 0
                CHECK (with_covering_report IN (0, 1)),
            made_on TEXT NOT NULL,              -- ISO date printed on the pack
            state TEXT NOT NULL DEFAULT 'queued'
                CHECK (state IN ('queued', 'rendering', 'writing', 'ready', 'failed')),
            inputs_sha256 TEXT CHECK (inputs_sha256 IS NULL OR length(inputs_sha256) = 64),
            pages INTEGER CHECK (pages IS NULL OR pages >= 0),
            pdf BLOB,
            sha256 TEXT CHECK (sha256 IS NULL OR length(sha256) = 64),
            size INTEGER CHECK (size IS NULL OR size >= 0),
            requested_by INTEGER REFERENCES users(id),
            requested_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
            started_at TEXT,
            finished_at TEXT,
            worker TEXT,                        -- "host:pid" of the worker rendering it
            attempts INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
            error TEXT
        );
        CREATE UNIQUE INDEX pack_renders_one_in_hand ON pack_renders
            (plan_id, quarter, version, with_covering_report, made_on)
            WHERE state IN ('queued', 'rendering', 'writing');
        CREATE INDEX pack_renders_by_plan ON pack_renders (plan_id, quarter, state);

        -- What each person is told, and how: an email at once, a daily digest, or nothing.
        -- No row means the default for their role.
        CREATE TABLE notification_choices (
            user_id INTEGER NOT NULL REFERENCES users(id),
            kind TEXT NOT NULL CHECK (kind IN ('submitted', 'returned', 'approved')),
            delivery TEXT NOT NULL CHECK (delivery IN ('immediate', 'digest', 'none')),
            PRIMARY KEY (user_id, kind)
        );

        -- One notice to one person of one update submitted, returned or approved. It is
        -- claimed ('sending') before its email goes, so none is sent twice.
        CREATE TABLE notifications (
            id INTEGER PRIMARY KEY,
            user_id INTEGER NOT NULL REFERENCES users(id),
            board_id INTEGER NOT NULL REFERENCES boards(id),
            kind TEXT NOT NULL CHECK (kind IN ('submitted', 'returned', 'approved')),
            update_id INTEGER NOT NULL REFERENCES progress_updates(id),
            delivery TEXT NOT NULL CHECK (delivery IN ('immediate', 'digest', 'none')),
            outcome TEXT NOT NULL DEFAULT 'waiting'
                CHECK (outcome IN ('waiting', 'sending', 'sent', 'failed', 'not sent')),
            attempts INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
            error TEXT,
            created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
            sent_at TEXT,
            UNIQUE (user_id, update_id, kind)
        );
        CREATE INDEX notifications_to_send ON notifications (outcome, delivery);
        CREATE INDEX notifications_by_user ON notifications (user_id, created_at);

        -- When the user's visit before this session ended: their home page shows what is new
        -- since then.
        ALTER TABLE sessions ADD COLUMN previous_visit_at TEXT;

        -- What a champion has typed into an update form and not yet saved, kept as they type.
        -- Not a revision: one row per person, recommendation and quarter, overwritten, and
        -- removed when they save.
        CREATE TABLE working_copies (
            id INTEGER PRIMARY KEY,
            user_id INTEGER NOT NULL REFERENCES users(id),
            recommendation_id INTEGER NOT NULL REFERENCES recommendations(id),
            quarter_id INTEGER NOT NULL REFERENCES quarters(id),
            based_on_revision INTEGER NOT NULL DEFAULT 0 CHECK (based_on_revision >= 0),
            fields TEXT NOT NULL CHECK (json_valid(fields) AND length(fields) <= 200000),
            saved_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
            UNIQUE (user_id, recommendation_id, quarter_id)
        );

        -- An evidence file taken off an update from a revision on: the revision `update_id`
        -- and later ones no longer carry it. When only drafts ever carried the file, its bytes
        -- are erased too (file_erased); otherwise they stay for the history. Append-only.
        CREATE TABLE evidence_removals (
            id INTEGER PRIMARY KEY,
            evidence_id INTEGER NOT NULL UNIQUE REFERENCES evidence_files(id),
            update_id INTEGER NOT NULL REFERENCES progress_updates(id),
            replaced_by INTEGER REFERENCES evidence_files(id),
            removed_by INTEGER REFERENCES users(id),
            removed_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
            file_erased INTEGER NOT NULL DEFAULT 0 CHECK (file_erased IN (0, 1))
        );
        CREATE TRIGGER evidence_removals_never_change BEFORE UPDATE ON evidence_removals
            BEGIN SELECT RAISE(ABORT, 'an evidence removal is a record and never changes'); END;
        CREATE TRIGGER evidence_removals_never_go BEFORE DELETE ON evidence_removals
            BEGIN SELECT RAISE(ABORT, 'an evidence removal is a record and is never deleted');
            END;
        CREATE INDEX evidence_files_by_update ON evidence_files (update_id);
        CREATE INDEX evidence_files_by_uploader ON evidence_files (uploaded_by, uploaded_at);

        -- The most evidence, in bytes, a board may store; NULL for the installation's default.
        ALTER TABLE boards ADD COLUMN evidence_quota_bytes INTEGER
            CHECK (evidence_quota_bytes IS NULL OR evidence_quota_bytes > 0);
        """
    )


@migrations()
def m010_report_readings(db: Database) -> None:
    """Uploaded reports read by the job worker rather than in the web request."""
    db.executescript(
        """
        -- A report uploaded (or pasted) and waiting to be read into a draft plan. The file is
        -- kept only until it has been read: then `content` is emptied and `import_id` names the
        -- import made from it, or `error` says in words why it could not be read.
        CREATE TABLE report_readings (
            id INTEGER PRIMARY KEY,
            board_id INTEGER NOT NULL REFERENCES boards(id),
            filename TEXT NOT NULL CHECK (length(filename) BETWEEN 1 AND 255),
            pasted INTEGER NOT NULL DEFAULT 0 CHECK (pasted IN (0, 1)),
            content BLOB,
            size INTEGER NOT NULL CHECK (size >= 0),
            state TEXT NOT NULL DEFAULT 'queued'
                CHECK (state IN ('queued', 'reading', 'done', 'failed')),
            import_id INTEGER REFERENCES report_imports(id),
            error TEXT,
            uploaded_by INTEGER REFERENCES users(id),
            uploaded_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
            started_at TEXT,
            finished_at TEXT,
            worker TEXT,                        -- "host:pid" of the worker reading it
            attempts INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0)
        );
        CREATE INDEX report_readings_by_board ON report_readings (board_id, id);
        """
    )


@migrations()
def m011_plan_imports(db: Database) -> None:
    """A board's existing plan, uploaded as Word, Excel or CSV and reviewed before it becomes a
    plan; updates brought in from it are marked as imported."""
    db.executescript(
        """
        -- The tables read from the upload (JSON: [{"name", "rows": [[{"text", "fill"}]]}]) and
        -- the reviewer's choices so far (JSON: the table, each column's field, the quarter the
        -- progress is for, the plan's title). The same file uploaded again for the same board
        -- returns this import.
        CREATE TABLE plan_imports (
            id INTEGER PRIMARY KEY,
            board_id INTEGER NOT NULL REFERENCES boards(id),
            uploaded_by INTEGER REFERENCES users(id),
            filename TEXT NOT NULL CHECK (length(filename) BETWEEN 1 AND 255),
            file_sha256 TEXT NOT NULL CHECK (length(file_sha256) = 64),
            tables TEXT NOT NULL CHECK (json_valid(tables)),
            choices TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(choices)),
            plan_id INTEGER REFERENCES plans(id),
            created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
            updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
            UNIQUE (board_id, file_sha256)
        );

        -- An update brought in from a board's existing plan: which import it came from.
        ALTER TABLE progress_updates ADD COLUMN imported_from INTEGER REFERENCES plan_imports(id);

        -- Updates stay append-only, except that the history imported into a draft that never
        -- went live goes with the draft when it is deleted (so an import can be made again).
        DROP TRIGGER progress_updates_are_append_only_delete;
        CREATE TRIGGER progress_updates_are_append_only_delete
        BEFORE DELETE ON progress_updates
        WHEN OLD.imported_from IS NULL OR (
            SELECT plans.state != 'draft' OR plans.went_live_at IS NOT NULL
            FROM recommendations JOIN plans ON plans.id = recommendations.plan_id
            WHERE recommendations.id = OLD.recommendation_id
        )
        BEGIN SELECT RAISE(ABORT, 'progress updates are append-only'); END;
        """
    )


@migrations()
def m012_plan_readings(db: Database) -> None:
    """Uploaded plans read by the job worker rather than in the web request."""
    db.executescript(
        """
        -- A board's existing plan uploaded (or pasted) and waiting to be read into an import
        -- to review, as report_readings are for reports: `content` is emptied once read, and
        -- `plan_import_id` names the import made, or `error` says in words why it was refused.
        CREATE TABLE plan_readings (
            id INTEGER PRIMARY KEY,
            board_id INTEGER NOT NULL REFERENCES boards(id),
            filename TEXT NOT NULL CHECK (length(filename) BETWEEN 1 AND 255),
            pasted INTEGER NOT NULL DEFAULT 0 CHECK (pasted IN (0, 1)),
            content BLOB,
            size INTEGER NOT NULL CHECK (size >= 0),
            state TEXT NOT NULL DEFAULT 'queued'
                CHECK (state IN ('queued', 'reading', 'done', 'failed')),
            plan_import_id INTEGER REFERENCES plan_imports(id),
            error TEXT,
            uploaded_by INTEGER REFERENCES users(id),
            uploaded_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
            started_at TEXT,
            finished_at TEXT,
            worker TEXT,                        -- "host:pid" of the worker reading it
            attempts INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0)
        );
        CREATE INDEX plan_readings_by_board ON plan_readings (board_id, id);
        """
    )
