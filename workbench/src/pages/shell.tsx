// The signed-in frame: who you are, the navigation, sign out; the page below.
import { useQuery } from '@apollo/client/react';
import { Link, Route, Switch } from 'wouter';
import { useExpiry } from '../expiry';
import { WhoAmI } from '../operations';
import { RequestPage } from './request';
import { RequestsPage } from './requests';
import { SubmitPage } from './submit';

export function Shell({ onSignOut }: { onSignOut(why?: string): void }) {
  const { data } = useQuery(WhoAmI);
  useExpiry(data?.currentApiClientAuthorization.expiresAt, onSignOut);
  const me = data?.me;
  return (
    <>
      <a className="skip" href="#main">
        Skip to content
      </a>
      <header className="top">
        <nav aria-label="Main">
          <Link href="/" className="brand">
            Workbench
          </Link>
          <Link href="/">Requests</Link>
          <Link href="/submit">Submit</Link>
        </nav>
        <div className="who">
          {me && (
            <span data-testid="who">
              Signed in as <strong>{me.fullName || me.email || me.uuid}</strong>
              {me.email && me.fullName ? ` (${me.email})` : ''}
              {me.isAdmin ? ' · admin' : ''}
            </span>
          )}
          <button type="button" onClick={() => onSignOut()}>
            Sign out
          </button>
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        <Switch>
          <Route path="/">
            <RequestsPage />
          </Route>
          <Route path="/submit">
            <SubmitPage />
          </Route>
          <Route path="/requests/:uuid">
            {(params) => <RequestPage key={params.uuid} uuid={params.uuid} />}
          </Route>
          <Route>
            <h1>Not found</h1>
            <p>
              <Link href="/">Back to your requests</Link>
            </p>
          </Route>
        </Switch>
      </main>
    </>
  );
}
