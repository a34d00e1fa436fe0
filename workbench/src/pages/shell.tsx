// The signed-in frame: who you are, the navigation, sign out; the page below.
import { useQuery } from '@apollo/client/react';
import type { ReactNode } from 'react';
import { Link, Route, Switch, useLocation } from 'wouter';
import { useExpiry } from '../expiry';
import { WhoAmI } from '../operations';
import { QueuePage } from './queue';
import { RequestPage } from './request';
import { RequestsPage } from './requests';
import { SubmitPage } from './submit';

/** A navigation link that says when it is the current page. */
function NavLink({ href, children }: { href: string; children: ReactNode }) {
  const [location] = useLocation();
  return (
    <Link href={href} aria-current={location === href ? 'page' : undefined}>
      {children}
    </Link>
  );
}

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
          <NavLink href="/">Requests</NavLink>
          <NavLink href="/submit">Submit</NavLink>
          {me?.isAdmin && <NavLink href="/queue">Queue</NavLink>}
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
          <Route path="/queue">
            {me?.isAdmin ? <QueuePage /> : me ? <p>The queue is for admins.</p> : null}
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
