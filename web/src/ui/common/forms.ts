/** A text field of a submitted form ('' when absent or a file). */
export function formText(form: FormData, name: string): string {
  const value = form.get(name);
  return typeof value === 'string' ? value : '';
}

/** The fields of the form that was submitted. */
export const formOf = (event: SubmitEvent) => new FormData(event.currentTarget as HTMLFormElement);
