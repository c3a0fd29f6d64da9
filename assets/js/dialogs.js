// Shared behaviour for the modal <dialog> forms: open with a clean form,
// submit through an async handler, show the server's error inline (keeping
// what was typed), close on success, Cancel or a click on the backdrop.

export function formDialog(dialog, { onOpen, onSubmit }) {
  const form = dialog.querySelector('form');
  const error = dialog.querySelector('.form-error');
  const submit = form.querySelector('[type="submit"]');

  function setError(message) {
    error.textContent = message;
  }

  for (const button of dialog.querySelectorAll('[data-close]')) {
    button.addEventListener('click', () => dialog.close());
  }
  // A click on the ::backdrop targets the <dialog> element itself.
  dialog.addEventListener('click', (e) => {
    if (e.target === dialog) dialog.close();
  });

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    setError('');
    submit.disabled = true;
    try {
      const keepOpen = await onSubmit(form, setError);
      if (keepOpen !== true) dialog.close();
    } catch (err) {
      setError(err.message);
    } finally {
      submit.disabled = false;
    }
  });

  return {
    async open(...args) {
      form.reset();
      setError('');
      dialog.showModal();
      if (onOpen) await onOpen(form, setError, ...args);
    },
    close: () => dialog.close(),
    setError,
  };
}
