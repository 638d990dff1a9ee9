import { FormEvent, useState } from 'react';
import { ApiError, request, session } from '../api';
import { useAction } from '../hooks';
import { Field, Problem } from '../ui';

/**
 * The console works within one tenant: the operator key, which acts across tenants, would be refused by every page.
 * It is told apart at sign-in (GET /v1/tenant refuses it with 403, GET /v1/tenants answers it) and not kept.
 */
async function isOperatorKey(key: string): Promise<boolean> {
  try {
    await request('GET', '/v1/tenant', undefined, key);
    return false;
  } catch (err) {
    // 401: not a key at all (said as such); 403: a tenant key without `events:read`, or the operator key.
    if (!(err instanceof ApiError) || err.status !== 403) throw err;
  }
  return request('GET', '/v1/tenants?limit=1', undefined, key).then(
    () => true,
    (err: ApiError) => {
      if (err.status === 403) return false;
      throw err;
    },
  );
}

function OperatorKeyExplained() {
  return (
    <div className="problem" role="alert">
      <p>
        <strong>This is the operator key: it does not sign in here.</strong> The console shows one business (tenant) at
        a time, and the operator key acts across all of them, so no page of the console would answer it.
      </p>
      <p>To open the console for a business, with the operator key:</p>
      <ul>
        <li>
          create an API key for it — <code>POST /v1/tenants/{'{id}'}/api-keys</code> — and sign in with that key; or
        </li>
        <li>
          make a portal link for its merchant — <code>POST /v1/portal-sessions</code> with its <code>tenantId</code> —
          and open the link.
        </li>
      </ul>
      <p>
        The tenants and their ids: <code>GET /v1/tenants</code>.
      </p>
    </div>
  );
}

/**
 * Sign in with an API key: checked against the API once, then kept in this tab's session storage only. `notice`: why
 * a portal link did not open (signing in with a key still works).
 */
export function SignIn({ notice, onSignedIn }: { notice?: Error; onSignedIn: () => void }) {
  const [key, setKey] = useState('');
  const [operator, setOperator] = useState(false);
  const { busy, error, run } = useAction();

  function submit(event: FormEvent) {
    event.preventDefault();
    setOperator(false);
    void run('sign-in', async () => {
      const candidate = key.trim();
      if (await isOperatorKey(candidate)) {
        setKey(''); // not kept, not even in the field
        setOperator(true);
        return;
      }
      session.signIn(candidate);
      onSignedIn();
    });
  }

  return (
    <main className="signin">
      <h1>Integrations</h1>
      <Problem error={notice} />
      <p>
        Sign in with an API key of your business. It stays in this browser tab only and is forgotten when you close it.
      </p>
      <form onSubmit={submit}>
        <Field label="API key">
          <input
            type="password"
            autoComplete="off"
            spellCheck={false}
            value={key}
            onChange={(e) => setKey(e.target.value)}
            required
            autoFocus
          />
        </Field>
        <button type="submit" disabled={busy !== undefined || !key.trim()}>
          {busy ? 'Checking…' : 'Sign in'}
        </button>
      </form>
      {operator && <OperatorKeyExplained />}
      <Problem error={error} />
    </main>
  );
}
