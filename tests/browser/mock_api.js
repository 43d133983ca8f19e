'use strict';
// A small stand-in for wxkbd's admin listener: the JSON API of
// docs/admin-api.md kept in memory, and the page's static files at
// /admin/ with the same security headers.  For developing the page and
// for running the browser test without the daemon.  Loopback only.
//
//   node mock_api.js [PORT]        serve until stopped
//   node mock_api.js PORT http://127.0.0.1:ADMIN_PORT
//                                  the page from handlers/admin/page/, /api/
//                                  passed to a running wxkbd as it is
//   require('./mock_api').start({port, token, proxy}) -> {url, close()}

const http = require('node:http');
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..', '..');
const ADMIN_DIR = path.join(ROOT, 'daemon', 'admin');
const KB_FILE = path.join(ROOT, 'kb', 'data', 'wanggezhuang.json');
const MAX_BODY = 1 << 20;
const CSP = "default-src 'self'; script-src 'self'; style-src 'self'; " +
    "img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; " +
    "base-uri 'none'; form-action 'none'";
const TYPES = {
	'.html': 'text/html; charset=utf-8',
	'.js': 'text/javascript; charset=utf-8',
	'.css': 'text/css; charset=utf-8',
	'.svg': 'image/svg+xml',
};
const ITEM_KEYS = new Set(['id', 'title', 'keywords', 'match', 'priority',
	'menu_key', 'menu_group', 'menu_name', 'reply', 'reply_mode', 'source', 'source_url',
	'updated', 'valid_until', 'revision', 'expired']);

function norm(s) {
	return String(s)
		.replace(/[\uFF01-\uFF5E]/g,
		    (c) => String.fromCharCode(c.charCodeAt(0) - 0xFEE0))
		.replace(/\u3000/g, ' ')
		.toLowerCase()
		.replace(/[\s\p{P}\p{S}]/gu, '');
}

// Lexicographic: is A ranked above B?
function better(a, b) {
	for (let j = 0; j < a.length; j++) {
		if (a[j] !== b[j])
			return a[j] > b[j];
	}
	return false;
}

function today() {
	return new Date().toISOString().slice(0, 10);
}

function clone(x) {
	return JSON.parse(JSON.stringify(x));
}

class Kb {
	constructor(file) {
		const kb = JSON.parse(fs.readFileSync(file, 'utf8'));
		this.revision = 1;
		this.generation = 1;
		this.account = kb.account;
		this.welcome = kb.welcome;
		this.fallback = kb.fallback;
		this.items = kb.items.map((it) => ({ ...it, revision: 1 }));
		// As in kb_history.h: kept versions, each saying how it
		// came to be; the live one is noted in `made`.
		this.history = [];
		this.made = { saved: new Date().toISOString(), action: 'file',
			item: null };
		this.hits = new Map([['contact', 12], ['contact-address', 7],
			['report-about', 3]]);
		this.unanswered = new Map([
			['请问垃圾分类几点收', { count: 2 }],
			['社区医院几点开门', { count: 1 }],
			['今天天气怎么样', { count: 1 }],
		]);
		const d = new Date();
		this.days = [];
		for (let i = 6; i >= 0; i--) {
			const day = new Date(d.getTime() - i * 86400000);
			this.days.push({
				date: day.toISOString().slice(0, 10),
				answered: 20 + i, suggested: 3, unanswered: i % 3,
			});
		}
		for (const v of this.unanswered.values()) {
			v.first_seen = Math.floor(d.getTime() / 1000) - 86400;
			v.last_seen = Math.floor(d.getTime() / 1000);
		}
	}

	// Keep the live version before ACTION on ITEM replaces it.
	snapshot(action, item, restored) {
		this.history.unshift({
			revision: this.revision, ...this.made,
			state: clone({ items: this.items, welcome: this.welcome,
				fallback: this.fallback }),
		});
		this.history.length = Math.min(this.history.length, 50);
		this.made = { saved: new Date().toISOString(), action, item };
		if (restored !== undefined)
			this.made.restored = restored;
	}

	out(it) {
		return { ...it, expired: Boolean(it.valid_until) &&
		    it.valid_until < today() };
	}

	find(id) {
		return this.items.find((it) => it.id === id);
	}

	// Problems with ITEM replacing the item at index AT (-1: added).
	check(item, at) {
		const p = [];
		for (const k of Object.keys(item)) {
			if (!ITEM_KEYS.has(k))
				p.push(`unknown key "${k}"`);
		}
		if (typeof item.id !== 'string' || !/^[a-z0-9-]{1,64}$/.test(item.id))
			p.push('id: must be 1 to 64 characters of a-z, 0-9 and "-"');
		if (typeof item.title !== 'string' || item.title === '')
			p.push(`item ${item.id}: title: missing`);
		if (!Array.isArray(item.keywords) || item.keywords.length < 1 ||
		    item.keywords.length > 32)
			p.push(`item ${item.id}: keywords: must hold 1 to 32 strings`);
		else {
			for (const k of item.keywords) {
				if (typeof k !== 'string' || k === '' ||
				    Buffer.byteLength(k) > 64 || norm(k) === '')
					p.push(`item ${item.id}: keywords: "${k}" must be 1 to 64 bytes`);
			}
		}
		if (item.match !== undefined && item.match !== 'contains' &&
		    item.match !== 'exact')
			p.push(`item ${item.id}: match: must be "contains" or "exact"`);
		if (item.priority !== undefined && !Number.isInteger(item.priority))
			p.push(`item ${item.id}: priority: must be an integer`);
		const r = item.reply;
		if (!r || typeof r !== 'object')
			p.push(`item ${item.id}: reply: missing`);
		else if (!Array.isArray(r) && r.type === 'text' &&
		    (typeof r.content !== 'string' || r.content === ''))
			p.push(`item ${item.id}: reply: content: missing`);
		if (item.valid_until !== undefined &&
		    !/^\d{4}-\d{2}-\d{2}$/.test(item.valid_until))
			p.push(`item ${item.id}: valid_until: "${item.valid_until}" is not a date YYYY-MM-DD`);
		this.items.forEach((o, i) => {
			if (i === at)
				return;
			if (at === -1 && o.id === item.id)
				p.push(`item ${item.id}: id: duplicate`);
			if (item.menu_key && o.menu_key === item.menu_key)
				p.push(`item ${item.id}: menu_key: "${item.menu_key}" is also the menu_key of item ${o.id}`);
			if (item.match === 'exact' && o.match === 'exact' &&
			    Array.isArray(item.keywords)) {
				for (const k of item.keywords) {
					if (o.keywords.some((x) => norm(x) === norm(k)))
						p.push(`item ${item.id}: keywords: "${k}" is also an exact keyword of item ${o.id}`);
				}
			}
		});
		return p;
	}

	query(q) {
		const n = norm(q);
		if (n === '')
			return { normalized: n, result: 'empty', item: null,
				exact: false, score: 0, suggestions: [],
				reply: this.fallback };
		const best = this.match(n);
		if (best) {
			this.hits.set(best.it.id, (this.hits.get(best.it.id) || 0) + 1);
			return { normalized: n, result: 'hit', item: this.out(best.it),
				exact: best.exact, score: best.score, suggestions: [],
				reply: best.it.reply };
		}
		const u = this.unanswered.get(q) ||
		    { count: 0, first_seen: Math.floor(Date.now() / 1000) };
		u.count++;
		u.last_seen = Math.floor(Date.now() / 1000);
		if (u.state === 'handled')
			u.state = 'open';
		this.unanswered.set(q, u);
		return { normalized: n, result: 'miss', item: null, exact: false,
			score: 0, suggestions: [], reply: this.fallback };
	}

	// The item a normalized text gets, as kb_match ranks: {it, exact,
	// score} or null.
	match(n) {
		let best = null;
		this.items.forEach((it, i) => {
			if (it.valid_until && it.valid_until < today())
				return;
			let score = 0;
			let exact = false;
			for (const k of it.keywords) {
				const nk = norm(k);
				if (it.match === 'exact') {
					if (nk === n) {
						exact = true;
						score = nk.length;
					}
				} else if (n.includes(nk)) {
					score += nk.length;
				}
			}
			if (score === 0)
				return;
			const key = [exact ? 1 : 0, score, it.priority || 0, -i];
			if (!best || better(key, best.key))
				best = { it, exact, score, key };
		});
		return best;
	}

	// The live state, then the kept ones, newest first (as the
	// server walks the history): [{revision, saved, action, restored,
	// current, items}].
	versions() {
		return [{ revision: this.revision, ...this.made, current: true, items: this.items },
			...this.history.map((v) => ({ ...v, current: false, items: v.state.items }))];
	}

	// One item through the versions, as admin_item_history.c answers.
	itemVersions(id) {
		const all = this.versions();
		const meta = (rev) => all.find((v) => v.revision === rev) || {};
		const out = [];
		let seen = -1;
		let gone = null;
		let goneCurrent = false;
		all.forEach((v, i) => {
			const it = v.items.find((x) => x.id === id);
			if (!it) {
				if (!gone)
					goneCurrent = i === 0;
				gone = v;
				return;
			}
			if (gone) {
				out.push({ revision: gone.revision, saved: gone.saved, action: 'delete',
					current: goneCurrent, item: null });
				gone = null;
			}
			if (it.revision !== seen) {
				const m = meta(it.revision);
				out.push({ revision: it.revision, saved: m.saved || null,
					action: m.action || 'file', restored: m.restored,
					current: i === 0 && out.length === 0, item: this.out(it) });
			}
			seen = it.revision;
		});
		return out;
	}
}

// WeChat's width of a menu name: a Chinese character counts two.
function menuWidth(s) {
	return [...s].reduce((w, c) => w + (c.codePointAt(0) < 0x80 ? 1 : 2), 0);
}

function send(res, status, obj, headers = {}) {
	const body = Buffer.from(JSON.stringify(obj));
	res.writeHead(status, {
		'Content-Type': 'application/json; charset=utf-8',
		'Content-Length': body.length,
		'Cache-Control': 'no-store',
		'X-Content-Type-Options': 'nosniff',
		...headers,
	});
	res.end(body);
}

function fail(res, status, error, extra = {}) {
	send(res, status, { error, ...extra });
}

function readBody(req) {
	return new Promise((resolve, reject) => {
		const chunks = [];
		let n = 0;
		req.on('data', (c) => {
			n += c.length;
			if (n > MAX_BODY) {
				reject(Object.assign(new Error('too big'), { status: 413 }));
				req.destroy();
				return;
			}
			chunks.push(c);
		});
		req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
		req.on('error', reject);
	});
}

async function jsonBody(req, res) {
	if (!/^application\/json\b/i.test(req.headers['content-type'] || '')) {
		fail(res, 415, 'the body must be application/json');
		return undefined;
	}
	let text;
	try {
		text = await readBody(req);
	} catch (e) {
		fail(res, 413, 'the body is over 1 MiB');
		return undefined;
	}
	try {
		return JSON.parse(text);
	} catch (e) {
		fail(res, 400, 'the body is not JSON');
		return undefined;
	}
}

function ifMatch(req, res) {
	const h = req.headers['if-match'];
	if (h === undefined) {
		fail(res, 428, 'a write needs If-Match with the revision it edited');
		return undefined;
	}
	const v = Number(String(h).replace(/^W\//, '').replace(/"/g, ''));
	if (!Number.isInteger(v)) {
		fail(res, 400, 'If-Match must be a revision number');
		return undefined;
	}
	return v;
}

function serveStatic(req, res, p, dir) {
	if (p === '/admin') {
		res.writeHead(301, { Location: '/admin/' });
		res.end();
		return;
	}
	let name = p.slice('/admin/'.length) || 'index.html';
	if (!/^[a-z0-9_-]+\.[a-z]+$/.test(name) || !TYPES[path.extname(name)]) {
		res.writeHead(404, { 'Content-Type': 'text/plain' });
		res.end('not found\n');
		return;
	}
	let data;
	try {
		data = fs.readFileSync(path.join(dir, name));
	} catch (e) {
		res.writeHead(404, { 'Content-Type': 'text/plain' });
		res.end('not found\n');
		return;
	}
	res.writeHead(200, {
		'Content-Type': TYPES[path.extname(name)],
		'Content-Length': data.length,
		'Content-Security-Policy': CSP,
		'X-Content-Type-Options': 'nosniff',
		'Referrer-Policy': 'no-referrer',
		'Cache-Control': 'no-cache',
	});
	res.end(req.method === 'HEAD' ? undefined : data);
}

async function api(kb, opts, req, res, url) {
	const p = url.pathname;
	const m = req.method;
	const auth = req.headers.authorization || '';
	if (auth !== `Bearer ${opts.token}`) {
		fail(res, 401, 'wrong or missing admin token');
		return;
	}
	let mm;
	if (p === '/api/kb') {
		if (m === 'GET')
			return send(res, 200, {
				revision: kb.revision, generation: kb.generation,
				account: kb.account, welcome: kb.welcome,
				fallback: kb.fallback, items: kb.items.length,
			}, { ETag: `"${kb.revision}"` });
		if (m === 'PUT') {
			const rev = ifMatch(req, res);
			if (rev === undefined)
				return;
			const body = await jsonBody(req, res);
			if (body === undefined)
				return;
			if (rev !== kb.revision)
				return fail(res, 412, 'the knowledge base changed', { current: {
					revision: kb.revision, account: kb.account,
					welcome: kb.welcome, fallback: kb.fallback } });
			kb.snapshot('settings', null);
			kb.revision++;
			kb.generation++;
			if (body.welcome)
				kb.welcome = body.welcome;
			if (body.fallback)
				kb.fallback = body.fallback;
			return send(res, 200, { revision: kb.revision });
		}
		return fail(res, 405, 'method not allowed');
	}
	if (p === '/api/kb/items') {
		if (m === 'GET') {
			const words = (url.searchParams.get('q') || '')
				.split(/\s+/).map(norm).filter(Boolean);
			const items = kb.items.filter((it) => {
				const hay = norm([it.id, it.title, ...it.keywords,
					JSON.stringify(it.reply)].join(' '));
				return words.every((w) => hay.includes(w));
			});
			return send(res, 200, { revision: kb.revision,
				items: items.map((it) => kb.out(it)) },
			    { ETag: `"${kb.revision}"` });
		}
		if (m === 'POST') {
			const rev = ifMatch(req, res);
			if (rev === undefined)
				return;
			const item = await jsonBody(req, res);
			if (item === undefined)
				return;
			if (item && typeof item === 'object' && item.id === undefined)
				item.id = `item-${kb.revision + 1}`;
			if (item && kb.find(item.id))
				return fail(res, 409, `an item with id ${item.id} exists`,
				    { current: kb.out(kb.find(item.id)) });
			const problems = kb.check(item || {}, -1);
			if (problems.length)
				return fail(res, 422, 'the item is not valid', { details: problems });
			kb.snapshot('create', item.id);
			kb.revision++;
			kb.generation++;
			delete item.expired;
			item.revision = kb.revision;
			kb.items.push(item);
			return send(res, 201, { revision: kb.revision, item: kb.out(item) });
		}
		return fail(res, 405, 'method not allowed');
	}
	mm = /^\/api\/kb\/items\/([^/]+)$/.exec(p);
	if (mm) {
		const id = decodeURIComponent(mm[1]);
		const at = kb.items.findIndex((it) => it.id === id);
		if (m === 'GET') {
			if (at < 0)
				return fail(res, 404, `no item ${id}`);
			return send(res, 200, { revision: kb.revision,
				item: kb.out(kb.items[at]) },
			    { ETag: `"${kb.items[at].revision}"` });
		}
		if (m === 'PUT' || m === 'DELETE') {
			const rev = ifMatch(req, res);
			if (rev === undefined)
				return;
			let item;
			if (m === 'PUT') {
				item = await jsonBody(req, res);
				if (item === undefined)
					return;
			}
			if (at < 0)
				return fail(res, 412, `item ${id} was deleted`, { current: null });
			if (kb.items[at].revision !== rev)
				return fail(res, 412,
				    `item ${id} changed since revision ${rev}`,
				    { current: kb.out(kb.items[at]) });
			if (m === 'DELETE') {
				kb.snapshot('delete', id);
				kb.revision++;
				kb.generation++;
				kb.items.splice(at, 1);
				return send(res, 200, { revision: kb.revision });
			}
			if (!item || typeof item !== 'object' || item.id !== id)
				return fail(res, 400, 'the item id must equal the path');
			delete item.expired;
			delete item.revision;
			const problems = kb.check(item, at);
			if (problems.length)
				return fail(res, 422, 'the change would make the knowledge base invalid',
				    { details: problems });
			kb.snapshot('update', id);
			kb.revision++;
			kb.generation++;
			item.revision = kb.revision;
			kb.items[at] = item;
			return send(res, 200, { revision: kb.revision, item: kb.out(item) });
		}
		return fail(res, 405, 'method not allowed');
	}
	mm = /^\/api\/kb\/items\/([^/]+)\/(history|restore)$/.exec(p);
	if (mm) {
		const id = decodeURIComponent(mm[1]);
		const vs = kb.itemVersions(id);
		if (mm[2] === 'history' && m === 'GET') {
			if (vs.length === 0)
				return fail(res, 404, `no item ${id}`);
			const t = vs.find((v) => v.item);
			return send(res, 200, { id, title: t ? t.item.title : '', revision: kb.revision, versions: vs });
		}
		if (mm[2] === 'restore' && m === 'POST') {
			const rev = ifMatch(req, res);
			if (rev === undefined)
				return;
			const body = await jsonBody(req, res);
			if (body === undefined)
				return;
			const at = kb.items.findIndex((it) => it.id === id);
			const have = at >= 0 ? kb.items[at].revision : kb.revision;
			if (rev !== have)
				return fail(res, 412, `item ${id} changed`, { current: at >= 0 ? kb.out(kb.items[at]) : null });
			const v = vs.find((x) => x.revision === body.revision && x.item);
			if (!v)
				return fail(res, 404, `no version ${body.revision} of ${id}`);
			if (at >= 0 && body.revision === have)
				return send(res, 200, { revision: kb.revision });
			kb.snapshot('restore', id, body.revision);
			kb.revision++;
			kb.generation++;
			const item = { ...clone(v.item), revision: kb.revision };
			delete item.expired;
			if (at >= 0)
				kb.items[at] = item;
			else
				kb.items.push(item);
			return send(res, 200, { revision: kb.revision, item: kb.out(item) });
		}
		return fail(res, 405, 'method not allowed');
	}
	if (p === '/api/kb/history' && m === 'GET') {
		const all = kb.versions();
		const title = (id) => {
			for (const v of all) {
				const it = v.items.find((x) => x.id === id);
				if (it)
					return it.title;
			}
			return undefined;
		};
		return send(res, 200, { revision: kb.revision,
			versions: all.map((v) => {
				const o = { ...v };
				delete o.state;
				delete o.items;
				if (o.item)
					o.title = title(o.item);
				return o;
			}) });
	}
	mm = /^\/api\/kb\/history\/(\d+)\/restore$/.exec(p);
	if (mm && m === 'POST') {
		const v = kb.history.find((x) => x.revision === Number(mm[1]));
		if (!v)
			return fail(res, 404, `no version ${mm[1]} in the history`);
		kb.snapshot('restore', null, v.revision);
		kb.revision++;
		kb.generation++;
		const st = clone(v.state);
		kb.items = st.items.map((it) => ({ ...it, revision: kb.revision }));
		kb.welcome = st.welcome;
		kb.fallback = st.fallback;
		return send(res, 200, { revision: kb.revision });
	}
	if (p === '/api/kb/reload' && m === 'POST')
		return send(res, 200, { generation: ++kb.generation });
	if (p === '/api/query' && m === 'GET')
		return send(res, 200, kb.query(url.searchParams.get('q') || ''));
	if (p === '/api/stats/unanswered' && m === 'GET')
		return send(res, 200, { version: 1, questions:
			[...kb.unanswered].map(([text, v]) => {
				const hit = kb.match(norm(text));
				return { text, state: 'open', ...v,
					answered_by: hit ? { id: hit.it.id, title: hit.it.title } : undefined };
			}) });
	if (p === '/api/stats/unanswered/state' && m === 'POST') {
		const body = await jsonBody(req, res);
		if (body === undefined)
			return;
		if (!['open', 'ignored', 'handled'].includes(body.state))
			return fail(res, 400, 'state: open, ignored or handled');
		const u = kb.unanswered.get(body.text);
		if (!u)
			return fail(res, 404, 'no such question in the list');
		u.state = body.state;
		u.state_at = Math.floor(Date.now() / 1000);
		return send(res, 200, { text: body.text, state: body.state });
	}
	if (p === '/api/menu/preview' && m === 'GET') {
		// As wx_menu_build: groups in order, names held to what
		// WeChat shows.
		const button = [];
		const problems = [];
		for (const it of kb.items.filter((x) => x.menu_key)) {
			const name = it.menu_name || it.title;
			const top = !it.menu_group;
			if (menuWidth(name) > (top ? 8 : 16))
				problems.push(`item ${it.id}: name "${name}" is ${Math.ceil(menuWidth(name) / 2)} Chinese characters wide; WeChat shows ${top ? 4 : 8} on a ${top ? 'top-level button' : 'sub-button'}; give the item a shorter menu_name`);
			const b = { type: 'click', name, key: it.menu_key };
			if (top) {
				button.push(b);
				continue;
			}
			let g = button.find((x) => x.sub_button && x.name === it.menu_group);
			if (!g)
				button.push(g = { name: it.menu_group, sub_button: [] });
			g.sub_button.push(b);
		}
		return send(res, 200, { menu: problems.length ? null : { button }, text: '', problems });
	}
	if (p === '/api/stats/items' && m === 'GET')
		return send(res, 200, {
			items: [...kb.hits].map(([id, hits]) => ({ id,
				title: kb.find(id) ? kb.find(id).title : id, hits })),
			days: kb.days,
		});
	if (p === '/api/stats/export' && m === 'GET') {
		const month = url.searchParams.get('month') || '';
		if (!/^\d{4}-\d{2}$/.test(month))
			return fail(res, 400, 'month must be YYYY-MM');
		const rows = ['\ufeff日期,答上,给出建议,未答上,回答率'];
		for (const d of kb.days.filter((x) => x.date.startsWith(month))) {
			const t = d.answered + d.suggested + d.unanswered;
			rows.push(`${d.date},${d.answered},${d.suggested},${d.unanswered},${(d.answered / t).toFixed(3)}`);
		}
		const sum = (k) => kb.days.filter((x) => x.date.startsWith(month)).reduce((a, x) => a + x[k], 0);
		rows.push(`合计,${sum('answered')},${sum('suggested')},${sum('unanswered')},`);
		rows.push('', '问题,次数');
		for (const [q, v] of kb.unanswered)
			rows.push(`"${q.replace(/"/g, '""')}",${v.count}`);
		const body = Buffer.from(`${rows.join('\r\n')}\r\n`);
		res.writeHead(200, {
			'Content-Type': 'text/csv; charset=utf-8',
			'Content-Disposition': `attachment; filename="wxkb-${month}.csv"`,
			'Content-Length': body.length,
		});
		res.end(body);
		return;
	}
	if (p === '/api/push' && m === 'POST') {
		const b = await jsonBody(req, res);
		if (b === undefined)
			return;
		if (!opts.pushWired)
			return fail(res, 404, 'no such path');
		const a = b.article || {};
		if (!a.title || !a.content || !a.thumb_base64 || !a.thumb_name)
			return fail(res, 422, 'article: title, content and the cover are required');
		// The shape of wx_push_report_json(): the mock's push has
		// ended by the time it answers.
		const st = (on) => (on ? 'done' : '-');
		const publish = Boolean(b.publish || b.mass_send);
		kb.lastPush = {
			ok: true, state: 'done', key: 'wxkb-00000000000000000000000000000001',
			message: '', message_zh: '',
			steps: { thumb: 'done', draft: 'done', publish: st(publish),
				preview: st(b.preview || b.preview_wxname), mass_send: st(b.mass_send) },
			draft_media_id: 'mock-draft-1',
			article_url: publish ? 'https://mp.weixin.qq.com/s/mock' : undefined,
		};
		return send(res, b.wait === false ? 202 : 200, kb.lastPush);
	}
	if (p.startsWith('/api/push/') && m === 'GET') {
		if (!opts.pushWired || !kb.lastPush || p !== `/api/push/${kb.lastPush.key}`)
			return fail(res, 404, 'no such push');
		return send(res, 200, kb.lastPush);
	}
	if (p === '/api/menu/sync' && m === 'POST') {
		if (!opts.pushWired)
			return fail(res, 404, 'no such path');
		return send(res, 200, { menu: { button: [
			{ name: '年度报告', key: 'REPORT' },
			{ name: '办事', sub_button: [{ name: '联系我们', key: 'CONTACT' }] },
		] } });
	}
	return fail(res, 404, 'no such path');
}

// Forward a request to the daemon at BASE (loopback only), unchanged.
function passOn(base, req, res) {
	const to = new URL(req.url, base);
	if (to.hostname !== '127.0.0.1') {
		fail(res, 502, 'the proxy only forwards to 127.0.0.1');
		return;
	}
	const out = http.request(to, { method: req.method, headers: req.headers,
		timeout: 30000 }, (up) => {
		res.writeHead(up.statusCode, up.headers);
		up.pipe(res);
	});
	out.on('timeout', () => out.destroy(new Error('timeout')));
	out.on('error', (e) => {
		if (!res.headersSent)
			fail(res, 502, `wxkbd: ${e.message}`);
		else
			res.destroy();
	});
	req.pipe(out);
}

function start(o = {}) {
	const opts = {
		port: 0, token: 'mock-admin-token', kbFile: KB_FILE,
		adminDir: ADMIN_DIR, pushWired: false, ...o,
	};
	const kb = new Kb(opts.kbFile);
	const server = http.createServer((req, res) => {
		const url = new URL(req.url, 'http://127.0.0.1');
		const p = url.pathname;
		if (p === '/admin' || p.startsWith('/admin/')) {
			if (req.method !== 'GET' && req.method !== 'HEAD')
				return fail(res, 405, 'method not allowed');
			return serveStatic(req, res, p, opts.adminDir);
		}
		if (p === '/healthz')
			return send(res, 200, { generation: kb.generation });
		if (p.startsWith('/api/') && opts.proxy) {
			passOn(opts.proxy, req, res);
			return;
		}
		if (p.startsWith('/api/')) {
			api(kb, opts, req, res, url).catch((e) => {
				if (!res.headersSent)
					fail(res, 500, String(e && e.message));
			});
			return;
		}
		fail(res, 404, 'no such path');
	});
	return new Promise((resolve, reject) => {
		server.once('error', reject);
		server.listen(opts.port, '127.0.0.1', () => {
			const { port } = server.address();
			resolve({
				url: `http://127.0.0.1:${port}`, port,
				token: opts.token, kb,
				close: () => new Promise((r) => {
					server.closeAllConnections();
					server.close(() => r());
				}),
			});
		});
	});
}

module.exports = { start, norm };

if (require.main === module) {
	const port = Number(process.argv[2] || 0);
	const proxy = process.argv[3];
	start({ port, proxy, pushWired: process.env.MOCK_PUSH === '1' }).then((m) => {
		console.log(proxy ? `the page on ${m.url}/admin/, the API of ${proxy}` :
		    `mock admin API on ${m.url}/admin/ token ${m.token}`);
	});
}
