// The login form: posts the provider account as JSON; on success the screens open.
const form = document.getElementById('login-form');
const error = document.getElementById('login-error');

form.addEventListener('submit', async (ev) => {
  ev.preventDefault();
  error.textContent = '';
  const user = form.elements.user.value;
  const password = form.elements.password.value;
  if (!user || !password) {
    error.textContent = 'Enter the user name and the password.';
    return;
  }
  const button = form.querySelector('button');
  button.disabled = true;
  try {
    const r = await fetch('login', {
      method: 'POST', credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ user, password }),
    });
    if (r.ok) {
      location.replace('./');
      return;
    }
    const body = await r.json().catch(() => ({}));
    error.textContent = body.error || `The login failed (HTTP ${r.status}).`;
    form.elements.password.value = '';
    form.elements.password.focus();
  } catch (e) {
    error.textContent = `The provider cannot be reached: ${e.message}`;
  } finally {
    button.disabled = false;
  }
});
