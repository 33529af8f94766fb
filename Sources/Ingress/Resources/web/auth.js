// Sign-in with the identity provider: OpenID Connect authorization code with PKCE (RFC 7636),
// as the public client the page's meta tags name. The access token is kept in session storage
// (this tab only, gone when it closes), never in a cookie.

const issuer = document.querySelector('meta[name="sopz-issuer"]').content;
const clientId = document.querySelector('meta[name="sopz-client-id"]').content;
const redirectUri = `${location.origin}/`;
const sessionKey = 'sopz.session';
const pendingKey = 'sopz.signing-in';

let discovery = null;
async function discover() {
  if (!discovery) {
    const response = await fetch(`${issuer}/.well-known/openid-configuration`);
    if (!response.ok) throw new Error(`the identity provider answered ${response.status}`);
    discovery = await response.json();
  }
  return discovery;
}

function base64url(bytes) {
  return btoa(String.fromCharCode(...new Uint8Array(bytes))).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function random(size) {
  return base64url(crypto.getRandomValues(new Uint8Array(size)));
}

/** Sends the browser to the identity provider; it comes back to `/` with a code. */
export async function signIn() {
  const provider = await discover();
  const verifier = random(48);
  const challenge = base64url(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier)));
  const state = random(24);
  sessionStorage.setItem(pendingKey, JSON.stringify({ verifier, state, returnTo: location.hash }));
  const query = new URLSearchParams({
    response_type: 'code', client_id: clientId, redirect_uri: redirectUri, scope: 'openid',
    state, code_challenge: challenge, code_challenge_method: 'S256',
  });
  location.assign(`${provider.authorization_endpoint}?${query}`);
}

/** Finishes a sign-in the identity provider sent back here; nothing when it was not one. */
export async function completeSignIn() {
  const query = new URLSearchParams(location.search);
  if (!query.has('code') && !query.has('error')) return;
  const pending = JSON.parse(sessionStorage.getItem(pendingKey) ?? 'null');
  sessionStorage.removeItem(pendingKey);
  history.replaceState(null, '', `/${pending?.returnTo ?? ''}`);
  if (query.has('error')) throw new Error(query.get('error_description') ?? query.get('error'));
  if (!pending || pending.state !== query.get('state')) throw new Error('the answer does not belong to this sign-in');
  const provider = await discover();
  const response = await fetch(provider.token_endpoint, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'authorization_code', code: query.get('code'), redirect_uri: redirectUri, client_id: clientId,
      code_verifier: pending.verifier,
    }),
  });
  const answer = await response.json().catch(() => ({}));
  if (!response.ok || !answer.access_token) throw new Error(answer.error_description ?? answer.error ?? response.status);
  sessionStorage.setItem(sessionKey, JSON.stringify({
    token: answer.access_token, expiresAt: Date.now() + 1000 * (answer.expires_in ?? 300),
  }));
}

/** Who is signed in — `{token, id, name, roles}` — or null. The claims are read for display
 *  only: the API verifies the token on every request. */
export function session() {
  const stored = JSON.parse(sessionStorage.getItem(sessionKey) ?? 'null');
  if (!stored || stored.expiresAt <= Date.now()) return null;
  try {
    const part = stored.token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
    const claims = JSON.parse(new TextDecoder().decode(Uint8Array.from(atob(part), (c) => c.charCodeAt(0))));
    const roles = claims.realm_access?.roles ?? [];
    return {
      token: stored.token, id: claims.sub, name: claims.name ?? claims.preferred_username ?? claims.sub,
      roles: ['client', 'administrator', 'manager'].filter((role) => roles.includes(role)),
    };
  } catch {
    return null;
  }
}

/** Forgets the token, and ends the identity provider's session where it keeps one. */
export async function signOut() {
  sessionStorage.removeItem(sessionKey);
  const provider = await discover().catch(() => null);
  if (provider?.end_session_endpoint) {
    const query = new URLSearchParams({ client_id: clientId, post_logout_redirect_uri: redirectUri });
    location.assign(`${provider.end_session_endpoint}?${query}`);
  } else {
    location.assign('/');
  }
}

/** Forgets a token the API no longer accepts. */
export function forget() {
  sessionStorage.removeItem(sessionKey);
}
