// Saved as you type: keeps what someone types into a form marked with
// data-autosave-url as their working copy on the server, a couple of seconds
// after they stop typing, when they leave a field and when they leave the page.
// The copy is not a save: the form's own buttons still save or submit it.
//
//   data-autosave-url     where to post the copy (JSON, CSRF token in a header)
//   data-autosave-fields  the names of the fields to keep
//   data-autosave-status  the id of the line that says how it went (role="status")
//
// The form works without this script; it only means less is lost to a closed
// tab or an ended session. Other scripts can ask for a copy to be kept at once
// (the timeout warning does, before signing out) with the event
// "tracker:keep-typing-now", pushing onto event.detail.waitFor; a kept copy
// that tells how long the session has left fires "tracker:session-extended".

const QUIET_MS = 2000
const TRY_AGAIN_MS = 1500

const form = document.querySelector('form[data-autosave-url]')
if (form) keepAsTyped(form)

function keepAsTyped (form) {
  const names = form.dataset.autosaveFields.split(/\s+/)
  const status = document.getElementById(form.dataset.autosaveStatus)
  const token = form.querySelector('input[name="csrf_token"]').value
  let lastKept = JSON.stringify(typed())
  let timer = null
  let keeping = Promise.resolve()
  let submitting = false

  function typed () {
    const fields = {}
    for (const name of names) {
      const field = form.elements[name]
      if (!field) continue
      // A group of radios gives the chosen value (or '' when none is chosen).
      fields[name] = field.value ?? ''
    }
    return fields
  }

  function later (delay = QUIET_MS) {
    clearTimeout(timer)
    timer = setTimeout(keepNow, delay)
  }

  function keepNow (options = {}) {
    clearTimeout(timer)
    keeping = keeping.then(() => send(options))
    return keeping
  }

  async function send ({ keepalive = false } = {}) {
    const fields = typed()
    const body = JSON.stringify(fields)
    // Nothing new, or the form is being saved (its save replaces any copy).
    if (submitting || body === lastKept) return
    let response
    try {
      response = await fetch(form.dataset.autosaveUrl, {
        method: 'POST',
        credentials: 'same-origin',
        redirect: 'manual',
        keepalive,
        headers: {
          Accept: 'application/json',
          'Content-Type': 'application/json',
          'X-CSRFToken': token
        },
        body: JSON.stringify({
          quarter: form.elements.quarter.value,
          based_on: Number(form.elements.based_on.value),
          fields
        })
      })
    } catch {
      say('Could not keep a copy: the tracker could not be reached. Your text is still here.')
      return
    }
    if (response.type === 'opaqueredirect') {
      say('Could not keep a copy: you have been signed out. Save the form and you will be ' +
          'asked to sign in again, with your text kept.')
      return
    }
    const answer = await response.json().catch(() => ({}))
    if (response.status === 429) {
      later(TRY_AGAIN_MS)
      return
    }
    if (!response.ok) {
      say(answer.message || 'Could not keep a copy: the tracker could not take it.')
      return
    }
    lastKept = body
    say(answer.message)
    document.dispatchEvent(new CustomEvent('tracker:session-extended', {
      detail: { sessionEndsIn: answer.session_ends_in }
    }))
  }

  function say (message) {
    if (status && status.textContent !== message) status.textContent = message
  }

  form.addEventListener('input', () => later())
  form.addEventListener('change', () => later())
  form.addEventListener('focusout', () => keepNow())
  form.addEventListener('submit', () => {
    submitting = true
    clearTimeout(timer)
  })
  // pageshow: a page brought back from the back-forward cache may be typed into again.
  window.addEventListener('pageshow', () => { submitting = false })
  window.addEventListener('pagehide', () => { keepNow({ keepalive: true }) })
  document.addEventListener('tracker:keep-typing-now', (event) => {
    event.detail.waitFor.push(keepNow())
  })
}
