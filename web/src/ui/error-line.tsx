/** A sentence about what went wrong, announced to screen readers. */
export function ErrorLine({ message }: { message: string | undefined }) {
  if (!message) return null;
  return (
    <p class="error" role="alert">
      {message}
    </p>
  );
}
