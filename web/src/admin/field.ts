/** A text field of a submitted form, trimmed; '' when absent (a file input is not text). */
export function field(data: FormData, key: string): string {
  const value = data.get(key);
  return typeof value === 'string' ? value.trim() : '';
}
