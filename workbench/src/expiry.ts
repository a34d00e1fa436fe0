import { useEffect } from 'react';

/** Longest delay setTimeout takes (about 24.8 days); later expiries are left to the gateway. */
const MAX_TIMER = 2 ** 31 - 1;

/** Signs out when the token's expiry passes (the gateway would refuse it from then on). */
export function useExpiry(expiresAt: string | null | undefined, signOut: (why: string) => void) {
  useEffect(() => {
    if (!expiresAt) return;
    const left = Date.parse(expiresAt) - Date.now();
    if (left > MAX_TIMER) return;
    const timer = setTimeout(
      () => signOut(`Your token expired at ${new Date(expiresAt).toLocaleString()}. Sign in again.`),
      Math.max(0, left),
    );
    return () => clearTimeout(timer);
  }, [expiresAt, signOut]);
}
