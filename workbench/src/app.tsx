// The session: signed out (the sign-in page, with why) or signed in (a client bound to the
// token, the pages). Signing out, by hand or because the gateway refused the token, drops the
// client and its cache, so nothing of the last user stays in memory.
import { ApolloProvider } from '@apollo/client/react';
import { useCallback, useEffect, useState } from 'react';
import { Router } from 'wouter';
import { createWorkbenchClient, unauthenticatedMessage, type WorkbenchClient } from './apollo';
import { WhoAmI } from './operations';
import { Shell } from './pages/shell';
import { SignIn } from './pages/sign-in';
import { forgetToken, signOutReason, storedToken, storeToken } from './session';

export const BASE = '/workbench';

interface Session {
  wb: WorkbenchClient;
}

export function App() {
  const [session, setSession] = useState<Session | null>(null);
  const [reason, setReason] = useState<string | null>(signOutReason());

  const signOut = useCallback((why?: string) => {
    forgetToken(why);
    setReason(why ?? null);
    setSession(null);
  }, []);

  // A session's client lives as long as the session: its streams close when it ends.
  useEffect(() => () => session?.wb.dispose(), [session]);

  const open = useCallback(
    (token: string) => createWorkbenchClient(token, (message) => signOut(refusedReason(message))),
    [signOut],
  );

  // A token kept from earlier in this tab: use it; the first query says whether it still works.
  useEffect(() => {
    const token = storedToken();
    if (token) setSession({ wb: open(token) });
  }, [open]);

  const signIn = useCallback(
    async (token: string): Promise<string | null> => {
      const wb = createWorkbenchClient(token, () => {});
      try {
        const { data, error } = await wb.client.query({ query: WhoAmI, fetchPolicy: 'network-only' });
        if (error || !data) return describeError(error);
      } catch (err) {
        return describeError(err);
      } finally {
        wb.dispose();
      }
      storeToken(token);
      setReason(null);
      setSession({ wb: open(token) });
      return null;
    },
    [open],
  );

  if (!session) return <SignIn reason={reason} onSignIn={signIn} />;
  return (
    <ApolloProvider client={session.wb.client}>
      <Router base={BASE}>
        <Shell onSignOut={signOut} />
      </Router>
    </ApolloProvider>
  );
}

function refusedReason(message: string): string {
  return `The gateway no longer accepts your token (${message}): it expired or was revoked. Sign in again.`;
}

function describeError(error: unknown): string {
  const refused = unauthenticatedMessage(error);
  if (refused) return `The gateway refused this token: ${refused}.`;
  return `Could not reach the gateway: ${(error as Error)?.message ?? 'unknown error'}.`;
}
