// Modal dialogs on the one <dialog>: showModal() keeps focus inside it and makes the page
// behind it inert; Escape cancels; focus goes back to what opened it.
import { el } from './format.js';

const dialog = document.getElementById('dialog');
const title = document.getElementById('dialog-title');
const body = document.getElementById('dialog-body');
const buttons = document.getElementById('dialog-buttons');
const FOCUSABLE = 'a[href], button:not([disabled]), input:not([disabled]), select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex="-1"])';

// Tab and Shift+Tab go round inside the open dialog (the browser would otherwise leave it for its own toolbar).
dialog.addEventListener('keydown', (ev) => {
  if (ev.key !== 'Tab') return;
  const items = [...dialog.querySelectorAll(FOCUSABLE)].filter((e) => e.offsetParent !== null || e === document.activeElement);
  if (items.length === 0) return;
  const first = items[0];
  const last = items[items.length - 1];
  if (ev.shiftKey && (document.activeElement === first || !dialog.contains(document.activeElement))) {
    ev.preventDefault();
    last.focus();
  } else if (!ev.shiftKey && (document.activeElement === last || !dialog.contains(document.activeElement))) {
    ev.preventDefault();
    first.focus();
  }
});

/**
 * Opens a dialog; resolves with the value of the button pressed ('ok', 'cancel', ...),
 * 'cancel' on Escape. `content` is a node or a list of nodes.
 */
export function openDialog({ heading, content, actions = [{ value: 'ok', label: 'OK' }, { value: 'cancel', label: 'Cancel' }], onSubmit }) {
  const opener = document.activeElement;
  title.textContent = heading;
  body.replaceChildren(...[content].flat().filter(Boolean));
  buttons.replaceChildren(...actions.map((a) => el('button', { value: a.value, type: 'submit', class: a.value === 'ok' ? 'primary' : null, 'data-default': a.value === 'ok' ? true : null }, a.label)));
  return new Promise((resolve) => {
    const form = dialog.querySelector('form');
    const submit = (ev) => {
      const value = ev.submitter?.value ?? 'ok';
      if (onSubmit && value === 'ok' && onSubmit() === false) {
        ev.preventDefault();
        return;
      }
    };
    form.addEventListener('submit', submit);
    dialog.addEventListener('close', () => {
      form.removeEventListener('submit', submit);
      if (opener && typeof opener.focus === 'function' && document.contains(opener)) opener.focus();
      resolve(dialog.returnValue || 'cancel');
    }, { once: true });
    dialog.returnValue = '';
    dialog.showModal();
    const first = body.querySelector('input, select, textarea, a[href]') ?? buttons.querySelector('button');
    first?.focus();
  });
}

/** A message dialog: the outcome of an action, in the manual's words. */
export function showResult(heading, lines, failed = false) {
  return openDialog({
    heading,
    content: el('div', { class: failed ? 'result error' : 'result', role: failed ? 'alert' : null }, lines.map((l) => el('p', {}, l))),
    actions: [{ value: 'ok', label: 'Close' }],
  });
}

/** A dialog while an action starts (F-12, F-17, F-23: the startup progress). */
export function showProgress(heading, text) {
  title.textContent = heading;
  body.replaceChildren(el('p', { role: 'status' }, text), el('progress', { 'aria-label': text }));
  buttons.replaceChildren();
  if (!dialog.open) dialog.showModal();
}

export function closeDialog() {
  if (dialog.open) dialog.close('done');
}
