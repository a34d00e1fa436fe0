// The signed-in token lives in sessionStorage only: gone when the tab closes, never in the URL
// or localStorage. Why the last sign-out happened is kept beside it for the sign-in page.
const TOKEN = 'workbench.token';
const REASON = 'workbench.signOutReason';

export function storedToken(): string | null {
  return sessionStorage.getItem(TOKEN);
}

export function storeToken(token: string): void {
  sessionStorage.setItem(TOKEN, token);
  sessionStorage.removeItem(REASON);
}

export function forgetToken(reason?: string): void {
  sessionStorage.removeItem(TOKEN);
  if (reason) sessionStorage.setItem(REASON, reason);
  else sessionStorage.removeItem(REASON);
}

export function signOutReason(): string | null {
  return sessionStorage.getItem(REASON);
}
