/** What the log-in screen says when it comes back (set by the app, shown by the log-in form). */
export interface Notice {
  text: string;
  isProblem: boolean;
}
