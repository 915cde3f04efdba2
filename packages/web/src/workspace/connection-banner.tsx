/** A problem with live updates, shown above the work without blocking it. */
export function ConnectionBanner({ message }: { message: string }) {
  return (
    <div className="banner" role="alert">
      <span className="banner-icon" aria-hidden="true">
        !
      </span>
      {message}
    </div>
  );
}
