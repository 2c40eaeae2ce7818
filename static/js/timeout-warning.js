// GOV.UK's timeout warning: a modal dialog opened a little before an idle
// session ends (data-warn-before seconds; data-session-ends-in is worked out
// on the server), saying when and offering "Stay signed in" (which asks the
// server to count the session as in use) or "Sign out". What has been typed is
// kept first (see autosave.js). If time runs out the page is opened again: the
// tracker asks the person to sign in and brings them back with their text.
//
// The countdown is shown every second but read out sparingly: when the dialog
// opens, as each minute passes, and 20 seconds before the end.

const dialog = document.getElementById('timeout-warning')
if (dialog && typeof dialog.showModal === 'function') warnBeforeTimeout(dialog)

function warnBeforeTimeout (dialog) {
  const warnBefore = Number(dialog.dataset.warnBefore)
  const countdown = dialog.querySelector('[data-countdown]')
  const announcement = dialog.querySelector('[data-announcement]')
  const heading = dialog.querySelector('h2')
  const stayForm = dialog.querySelector('form[data-stay-signed-in]')
  const signOutForm = dialog.querySelector('form[data-sign-out]')
  let endsAt = Date.now() + Number(dialog.dataset.sessionEndsIn) * 1000
  let lastAnnounced = null
  let returnFocusTo = null
  let finished = false

  function secondsLeft () {
    return Math.max(0, Math.ceil((endsAt - Date.now()) / 1000))
  }

  function inWords (seconds) {
    if (seconds >= 60) {
      const minutes = Math.ceil(seconds / 60)
      return `${minutes} minute${minutes === 1 ? '' : 's'}`
    }
    return `${seconds} second${seconds === 1 ? '' : 's'}`
  }

  function tick () {
    if (finished) return
    const left = secondsLeft()
    if (left <= 0) {
      timedOut()
    } else if (left <= warnBefore) {
      if (!dialog.open) open()
      show(left)
    } else if (dialog.open) {
      close()
    }
  }

  function show (left) {
    const words = `You will be signed out in ${inWords(left)}.`
    countdown.textContent = words
    const moment = left > 60 ? `minutes ${Math.ceil(left / 60)}` : left > 20 ? 'minute' : 'end'
    if (moment !== lastAnnounced) {
      lastAnnounced = moment
      announcement.textContent = `${words} We will keep what you have typed.`
    }
  }

  function open () {
    returnFocusTo = document.activeElement
    lastAnnounced = null
    dialog.showModal()
    heading.focus()
    keepTyping()
  }

  function close () {
    dialog.close()
    announcement.textContent = ''
    if (returnFocusTo && typeof returnFocusTo.focus === 'function') returnFocusTo.focus()
  }

  function keepTyping () {
    const waitFor = []
    document.dispatchEvent(new CustomEvent('tracker:keep-typing-now', { detail: { waitFor } }))
    return Promise.allSettled(waitFor)
  }

  async function staySignedIn () {
    try {
      const response = await fetch(stayForm.action, {
        method: 'POST',
        credentials: 'same-origin',
        redirect: 'manual',
        headers: { Accept: 'application/json' },
        body: new FormData(stayForm)
      })
      if (!response.ok) throw new Error(String(response.status))
      extend((await response.json()).session_ends_in)
    } catch {
      timedOut()
    }
  }

  function extend (seconds) {
    if (typeof seconds !== 'number') return
    endsAt = Date.now() + seconds * 1000
    tick()
  }

  async function timedOut () {
    finished = true
    await keepTyping()
    // Opened again, the page asks for signing in if the session has ended, and
    // comes back here afterwards with the kept text.
    window.location.assign(window.location.pathname)
  }

  stayForm.addEventListener('submit', (event) => {
    event.preventDefault()
    staySignedIn()
  })
  signOutForm.addEventListener('submit', async (event) => {
    event.preventDefault()
    finished = true
    await keepTyping()
    signOutForm.submit()
  })
  // Escape closes GOV.UK's warning as "Stay signed in" does.
  dialog.addEventListener('cancel', (event) => {
    event.preventDefault()
    staySignedIn()
  })
  document.addEventListener('tracker:session-extended', (event) => {
    extend(event.detail.sessionEndsIn)
  })
  setInterval(tick, 1000)
  tick()
}
