// Following a background job (a board pack being made, a report being read), so the person
// waiting need not press "Check again". The page works without this script; with it, the
// page asks for the job's status every few seconds and updates itself: the heading, the
// message (a role="status" region, so screen readers hear each change once), and when the
// job has finished, what comes next, with focus moved to it.
//
// The page marks its parts with data attributes:
//   data-job-status-url on the container (and data-finished="yes" when already finished),
//   data-job-part="heading|message|waiting|ready|failed|check-again|next" inside it.
// The status is JSON: {"heading", "message", "finished", "ready"}.

// Soon at first (a pack made before, or a short report, is ready in a moment), then less often.
const FIRST_ASK_MS = 500
const ASK_EVERY_MS = 2000

const job = document.querySelector('[data-job-status-url]')
const part = (name) => job.querySelector(`[data-job-part="${name}"]`)

if (job && job.dataset.finished !== 'yes') {
  part('check-again').hidden = true
  setTimeout(follow, FIRST_ASK_MS)
}

async function follow () {
  let status
  try {
    const response = await fetch(job.dataset.jobStatusUrl, {
      headers: { Accept: 'application/json' },
      credentials: 'same-origin'
    })
    if (!response.ok) throw new Error(String(response.status))
    status = await response.json()
  } catch {
    // Signed out, or the server is away: leave the page to the "Check again" link.
    part('check-again').hidden = false
    return
  }
  show(status)
  if (!status.finished) setTimeout(follow, ASK_EVERY_MS)
}

function show (status) {
  const heading = part('heading')
  const message = part('message')
  if (heading.textContent !== status.heading) {
    document.title = document.title.replace(heading.textContent, status.heading)
    heading.textContent = status.heading
  }
  if (message.textContent !== status.message) message.textContent = status.message
  part('waiting').hidden = status.finished
  part('ready').hidden = !status.ready
  part('failed').hidden = !(status.finished && !status.ready)
  if (status.finished) part(status.ready ? 'next' : 'failed').querySelector('a, button')?.focus()
}
