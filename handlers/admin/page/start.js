// Runs last: wire what is left and sign in with the session cookie or
// the token kept in this tab, if any.
// One of the admin page's scripts; index.html loads them in order and
// they share one scope (see app.js).
'use strict';

// ---------------------------------------------------------------- start

$('flash-close').addEventListener('click', () => show($('flash'), false));

{
	const d = new Date();
	$('export-month').value = `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}`;
}

(async () => {
	// A session cookie first, then a token kept by this tab.
	try {
		const who = await api('GET', '/api/session', { signIn: true, token: '' });
		await enterSession(who, true);
		return;
	} catch (e) {
		// not signed in as a person
	}
	let token = '';
	try {
		token = sessionStorage.getItem(TOKEN_KEY) || '';
	} catch (e) {
		token = '';
	}
	if (token === '') {
		signOut('');
		return;
	}
	try {
		await signIn(token, true);
	} catch (e) {
		signOut(e instanceof ApiError && e.status === 401 ?
		    '登录已失效，请重新登录。' : e.message);
	}
})();
