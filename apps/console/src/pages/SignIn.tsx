import { FormEvent, useState } from 'react';
import { request, session } from '../api';
import { useAction } from '../hooks';
import { Field, Problem } from '../ui';

/**
 * Sign in with an API key: checked against the API once, then kept in this tab's session storage only. `notice`: why
 * a portal link did not open (signing in with a key still works).
 */
export function SignIn({ notice, onSignedIn }: { notice?: Error; onSignedIn: () => void }) {
  const [key, setKey] = useState('');
  const { busy, error, run } = useAction();

  function submit(event: FormEvent) {
    event.preventDefault();
    void run('sign-in', async () => {
      await request('GET', '/v1/event-types', undefined, key.trim());
      session.signIn(key.trim());
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
      <Problem error={error} />
    </main>
  );
}
