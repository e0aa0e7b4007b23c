/** A paperclip drawn inline (no emoji font is needed, and the CSP allows no external images but our own). */
export function Paperclip() {
  return (
    <svg class="icon" viewBox="0 0 24 24" width="18" height="18" aria-hidden="true">
      <path
        d="M16.5 6.5 8.9 14.1a2 2 0 0 0 2.8 2.8l7.3-7.3a4 4 0 0 0-5.7-5.7L5.8 11.4a6 6 0 0 0 8.5 8.5l6.2-6.2"
        fill="none"
        stroke="currentColor"
        stroke-width="2"
        stroke-linecap="round"
      />
    </svg>
  );
}
