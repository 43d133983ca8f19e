// The admin page of wxkbd: office staff find, edit and test the answers of
// the knowledge base, see what went unanswered, push articles.
//
// It talks only to the JSON API of docs/admin-api.md on the same origin.
// Rules kept throughout, because the server sends a strict CSP and the
// data comes from people: no inline script or style, no innerHTML with
// data (DOM building and textContent only), no eval.  Every error is shown
// in the page.

const TOKEN_KEY = 'wxkb.adminToken';
const KW_MAX = 32;
const KW_MAX_BYTES = 64;
const ID_RE = /^[a-z0-9-]{1,64}$/;

const STATUS_TEXT = {
	0: '无法连接服务器',
	400: '请求格式有误',
	401: '未登录或登录已过期',
	403: '没有权限',
	404: '找不到（该功能可能尚未开通）',
	405: '不支持这个操作',
	409: '编号已被使用',
	412: '别人已修改了这个条目',
	413: '内容太大',
	415: '内容格式不对',
	422: '内容不符合要求，没有保存',
	428: '缺少版本号',
	429: '尝试太频繁，请稍后再试',
	500: '服务器内部错误',
	502: '微信接口出错',
	503: '服务暂不可用',
	504: '微信接口超时',
	507: '无法保存（磁盘已满或目录不可写），原来的知识库没有变化',
};

const MATCH_TEXT = { contains: '包含', exact: '精确' };
const REPLY_TYPE_TEXT = {
	text: '文字', news: '图文', image: '图片', voice: '语音',
	video: '视频', music: '音乐',
};
const RESULT_TEXT = {
	hit: '找到了回答',
	suggest: '没有直接的回答，会给出这些建议',
	miss: '没有找到，会收到兜底回复',
	empty: '空消息',
	period: '问的是数据以外的年份：会说明数据的年份并给出电话',
};
const ACTION_TEXT = {
	create: '新建条目', update: '修改条目', delete: '删除条目',
	restore: '恢复以前的内容', settings: '修改欢迎语、兜底回复或同义词',
	file: '直接改动的文件（不是在本页面）',
};

// ---------------------------------------------------------------- helpers

const $ = (id) => document.getElementById(id);

// el('li', {class: 'x', dataset: {id: 'a'}}, 'text', child...): build a
// node; strings become text nodes, so data never turns into markup.
function el(tag, attrs, ...kids) {
	const n = document.createElement(tag);
	for (const [k, v] of Object.entries(attrs || {})) {
		if (v === undefined || v === null || v === false)
			continue;
		if (k === 'class')
			n.className = v;
		else if (k === 'dataset')
			Object.assign(n.dataset, v);
		else if (k === 'text')
			n.textContent = v;
		else if (k.startsWith('on'))
			n.addEventListener(k.slice(2), v);
		else if (v === true)
			n.setAttribute(k, '');
		else
			n.setAttribute(k, String(v));
	}
	for (const c of kids.flat()) {
		if (c === undefined || c === null || c === false)
			continue;
		n.append(c instanceof Node ? c : document.createTextNode(String(c)));
	}
	return n;
}

function clear(n) {
	n.replaceChildren();
	return n;
}

function show(n, on = true) {
	n.hidden = !on;
}

// Normalize as the server does for matching: full-width ASCII and the
// ideographic space folded, ASCII lower-cased, white space and
// punctuation of both scripts dropped.
function norm(s) {
	return String(s)
		.replace(/[\uFF01-\uFF5E]/g,
		    (c) => String.fromCharCode(c.charCodeAt(0) - 0xFEE0))
		.replace(/\u3000/g, ' ')
		.toLowerCase()
		.replace(/[\s\p{P}\p{S}]/gu, '');
}

// The width WeChat gives a menu name: a Chinese character counts two.
function menuWidth(s) {
	let w = 0;
	for (const c of String(s))
		w += c.codePointAt(0) < 0x80 ? 1 : 2;
	return w;
}

function utf8len(s) {
	return new TextEncoder().encode(s).length;
}

function today() {
	const d = new Date();
	const p = (x) => String(x).padStart(2, '0');
	return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`;
}

function isExpired(item) {
	if (typeof item.expired === 'boolean')
		return item.expired;
	return typeof item.valid_until === 'string' && item.valid_until !== '' &&
	    item.valid_until < today();
}

function fmtTime(v) {
	if (v === undefined || v === null || v === '')
		return '';
	const d = typeof v === 'number' ? new Date(v * 1000) : new Date(v);
	if (Number.isNaN(d.getTime()))
		return String(v);
	return d.toLocaleString('zh-CN', { hour12: false });
}

function clone(x) {
	return x === undefined ? undefined : JSON.parse(JSON.stringify(x));
}

function itemLabel(it) {
	return `“${it.title || '（无标题）'}”`;
}

function titleOf(id) {
	const it = state.items.find((x) => x.id === id);
	return it ? itemLabel(it) : '另一个条目';
}

const FIELD_TEXT = {
	id: '编号', title: '标题', keywords: '关键词', match: '匹配方式',
	priority: '优先级', reply: '回复内容', reply_mode: '回复方式',
	menu_key: '菜单键', menu_group: '菜单分组', menu_name: '菜单名', source: '信息来源',
	source_url: '来源链接', valid_until: '有效期至', updated: '更新日期',
	welcome: '欢迎语', fallback: '兜底回复', content: '内容',
};

// The server words its messages as `wxkbctl check` does, in English:
// the ones the page can cause, in Chinese.  Answers null for one it does
// not know (the caller then says what it knows in its own words).
const ZH_RULES = [
	[/keywords\[\d+\]: "(.*)" is also an exact keyword of item "?([^"]*)"?$/,
	    (m) => `关键词“${m[1]}”已是${titleOf(m[2])}的精确关键词，两个条目不能共用。`],
	[/keywords\[\d+\]: "(.*)" is also a keyword of item "?([^"]*)"?$/,
	    (m) => `关键词“${m[1]}”也是${titleOf(m[2])}的关键词。`],
	[/keywords\[\d+\]: "(.*)" repeats another keyword/,
	    (m) => `关键词“${m[1]}”和这个条目的另一个关键词重复了。`],
	[/keywords\[\d+\]: "(.*)" must be 1 to (\d+) bytes/,
	    (m) => `关键词“${m[1]}”太长：最多 ${m[2]} 字节（约 ${Math.floor(m[2] / 3)} 个汉字）。`],
	[/keywords\[\d+\]: "(.*)" has no letter or digit/,
	    (m) => `关键词“${m[1]}”只有标点或空格，不能作关键词。`],
	[/keywords: must hold 1 to (\d+) keywords/,
	    (m) => `关键词要有 1 到 ${m[1]} 个。`],
	[/menu_key: "(.*)" is also the menu_key of item "?([^"]*)"?$/,
	    (m) => `菜单键“${m[1]}”已被${titleOf(m[2])}使用。`],
	[/^item ([a-z0-9-]+): name "(.*)" is (\d+) Chinese characters wide; WeChat shows (\d+)/,
	    (m) => `${titleOf(m[1])}：菜单上的名字“${m[2]}”有 ${m[3]} 个字宽，这一级菜单微信只显示 ${m[4]} 个字。请在这个条目的“菜单名”里填一个短名字。`],
	[/menu_group "(.*)" is (\d+) Chinese characters wide/,
	    (m) => `菜单分组“${m[1]}”有 ${m[2]} 个字宽，一级菜单微信只显示 4 个字。`],
	[/menu_group "(.*)" has more than (\d+) items/,
	    (m) => `菜单分组“${m[1]}”里超过 ${m[2]} 项，微信最多放 ${m[2]} 项。`],
	[/the menu has (\d+) top-level buttons.*at most (\d+)/,
	    (m) => `一级菜单有 ${m[1]} 个，微信最多 ${m[2]} 个（同一分组算一个）。`],
	[/no knowledge-base item has a menu_key/, () => '还没有条目设置“菜单键”，菜单会是空的。'],
	[/the key "(.*)" is used twice/, (m) => `菜单键“${m[1]}”用了两次。`],
	[/menu_name: there is no menu_key/, () => '填了菜单名，但没有菜单键：这个条目不在菜单里。'],
	[/menu_name: "(.*)" is (\d+) Chinese characters wide; WeChat shows (\d+)/,
	    (m) => `菜单名“${m[1]}”有 ${m[2]} 个字宽，这一级菜单微信只显示 ${m[3]} 个字。`],
	[/id: duplicate/, () => '编号已被另一个条目使用。'],
	[/id: must be/, () => '编号只能用小写字母、数字和“-”。'],
	[/an item with the id "(.*)" exists already/, () => '编号已被另一个条目使用，请换一个。'],
	[/valid_until: .*(not a date|out of range)/, () => '有效期至：不是有效的日期。'],
	[/updated: .*not a date/, () => '更新日期：不是有效的日期。'],
	[/reply_mode: ignored/, () => '只有一条回复，回复方式不起作用。'],
	[/unknown key "(.*)"/, (m) => `有页面不认识的内容“${m[1]}”，没有保存。`],
	[/(?:^|: )([a-z_]+)(?:\[\d+\])?(?:\.[a-z_\[\]0-9.]+)?: (?:missing|must not be empty)/,
	    (m) => `${FIELD_TEXT[m[1]] || '有一项'}：不能为空。`],
	[/(?:^|: )([a-z_]+)(?:\[\d+\])?: longer than (\d+) bytes/,
	    (m) => `${FIELD_TEXT[m[1]] || '有一项'}太长：最多 ${m[2]} 字节。`],
	[/(?:^|: )([a-z_]+)(?:\[\d+\])?(?:\.[a-z_\[\]0-9.]+)?: /,
	    (m) => (FIELD_TEXT[m[1]] ? `${FIELD_TEXT[m[1]]}：不符合要求。` : null)],
];

function zhDetail(line) {
	const s = String(line);
	if (!/[A-Za-z]{3}/.test(s))
		return s;		// already the page's own words
	for (const [re, fn] of ZH_RULES) {
		const m = re.exec(s);
		if (m) {
			const t = fn(m);
			if (t)
				return t;
		}
	}
	return null;
}

// ---------------------------------------------------------------- API

class ApiError extends Error {
	constructor(status, body, message) {
		super(message);
		this.status = status;
		this.body = body;
	}
}

const state = {
	token: '',		// the bearer token (advanced sign-in), or ''
	csrf: '',		// the session's CSRF token, sent on every change
	person: '',		// who is signed in
	role: '',
	items: [],		// every item, for keyword warnings and pickers
	listed: [],		// the items the search shows
	kbRevision: null,
	// the editor
	base: null,		// the item as the server last gave it (null: new)
	isNew: false,
	keywords: [],
	snapshot: '',		// form as loaded, to tell unsaved edits
	pendingMine: null,	// our version while a conflict is shown
	pendingCurrent: null,
	lastKw: '',		// the keyword added last, for the preview
};

// api(method, path, {body, ifMatch, raw}): call the API with the bearer
// token; answers the parsed JSON (or the Response when raw), throws
// ApiError with a Chinese message that includes the server's sentence.
async function api(method, path, opts = {}) {
	const headers = {};
	const token = opts.token ?? state.token;
	if (token)
		headers.Authorization = `Bearer ${token}`;
	else if (method !== 'GET' && state.csrf)
		headers['X-CSRF-Token'] = state.csrf;
	if (!opts.raw)
		headers.Accept = 'application/json';
	let body;
	if (opts.body !== undefined) {
		headers['Content-Type'] = 'application/json';
		body = JSON.stringify(opts.body);
	}
	if (opts.ifMatch !== undefined && opts.ifMatch !== null)
		headers['If-Match'] = String(opts.ifMatch);
	const ctl = new AbortController();
	const timer = setTimeout(() => ctl.abort(), opts.timeout ?? 30000);
	let res;
	try {
		res = await fetch(path, {
			method, headers, body, cache: 'no-store',
			credentials: token ? 'omit' : 'same-origin',
			signal: ctl.signal,
		});
	} catch (e) {
		clearTimeout(timer);
		throw new ApiError(0, null, ctl.signal.aborted ?
		    '服务器没有及时响应，请稍后再试。' :
		    '无法连接服务器，请检查网络或服务是否在运行。');
	}
	if (opts.raw && res.ok) {
		clearTimeout(timer);
		return res;
	}
	let text = '';
	try {
		text = await res.text();
	} finally {
		clearTimeout(timer);
	}
	let data = null;
	if (text !== '') {
		try {
			data = JSON.parse(text);
		} catch (e) {
			data = null;
		}
	}
	if (!res.ok) {
		// Staff read Chinese: the server's own sentence goes only
		// where a translation of it is known (zhDetail).
		const base = STATUS_TEXT[res.status] ?? `请求失败（HTTP ${res.status}）`;
		const said = data && typeof data.message_zh === 'string' ? data.message_zh :
		    data && typeof data.error === 'string' ? zhDetail(data.error) : null;
		const err = new ApiError(res.status, data,
		    said ? `${base}：${said}` : `${base}。`);
		if (res.status === 401 && !opts.signIn)
			lockOut('登录已过期，请重新登录。没有保存的修改仍在，登录后再点“保存”。');
		throw err;
	}
	return data;
}

// ---------------------------------------------------------------- messages

let flashTimer = 0;

function flash(text, kind = 'ok') {
	const f = $('flash');
	$('flash-text').textContent = text;
	f.className = `flash ${kind}`;
	show(f);
	clearTimeout(flashTimer);
	if (kind === 'ok')
		flashTimer = setTimeout(() => show(f, false), 6000);
}

function setMsg(node, text) {
	node.textContent = text || '';
	show(node, Boolean(text));
}

// Report an error near where it happened, or at the top of the page.
function report(e, node) {
	const text = e instanceof ApiError ? e.message :
	    `出错了：${e && e.message ? e.message : String(e)}`;
	if (node)
		setMsg(node, text);
	else
		flash(text, 'err');
}

window.addEventListener('unhandledrejection', (ev) => {
	report(ev.reason);
});
window.addEventListener('error', (ev) => {
	report(ev.error || ev.message);
});

// confirmBox(text, okLabel): a modal question; resolves true on OK.
function confirmBox(text, okLabel = '确定') {
	const d = $('confirm');
	$('confirm-text').textContent = text;
	$('confirm-ok').textContent = okLabel;
	return new Promise((resolve) => {
		const done = (v) => {
			$('confirm-ok').removeEventListener('click', ok);
			$('confirm-cancel').removeEventListener('click', no);
			d.removeEventListener('cancel', no);
			if (d.open)
				d.close();
			resolve(v);
		};
		const ok = () => done(true);
		const no = (ev) => {
			if (ev)
				ev.preventDefault();
			done(false);
		};
		$('confirm-ok').addEventListener('click', ok);
		$('confirm-cancel').addEventListener('click', no);
		d.addEventListener('cancel', no);
		d.showModal();
		$('confirm-cancel').focus();
	});
}

// ---------------------------------------------------------------- sign in

// Sign in with the bearer token (the advanced fold, kept per tab).
async function signIn(token, quiet) {
	const info = await api('GET', '/api/kb', { token, signIn: true });
	state.token = token;
	state.csrf = '';
	show($('push-role-note'), false);
	try {
		sessionStorage.setItem(TOKEN_KEY, token);
	} catch (e) {
		// Private mode without storage: stay signed in for this page.
	}
	await enterApp(info, '管理口令', quiet);
}

// Sign in as a person: the server sets the session cookie.
async function signInPassword(name, password) {
	const who = await api('POST', '/api/session', {
		body: { name, password }, signIn: true, token: '',
	});
	state.token = '';
	await enterSession(who, false);
}

// The session of who ({name, role, csrf}) opens the page.
async function enterSession(who, quiet) {
	state.csrf = who.csrf;
	state.person = who.name;
	state.role = who.role;
	show($('push-role-note'), who.role !== 'publisher');
	const info = await api('GET', '/api/kb', { signIn: true, token: '' });
	await enterApp(info, `${who.name}（${who.role === 'publisher' ? '发布员' : '编辑'}）`, quiet);
}

async function enterApp(info, whoText, quiet) {
	showKbInfo(info);
	showSynonyms(info.synonyms);
	$('who-name').textContent = `当前登录：${whoText}`;
	show($('login'), false);
	show($('app'));
	if (!quiet)
		flash('已登录。');
	await loadItems();
}

function showKbInfo(info) {
	if (!info)
		return;
	if (info.revision !== undefined)
		state.kbRevision = info.revision;
	const parts = [];
	if (info.account)
		parts.push(info.account);
	if (typeof info.items === 'number')
		parts.push(`${info.items} 个条目`);
	$('kb-info').textContent = parts.join(' · ');
}

// Ask for the token again but keep the page as it is, so an edit in
// progress survives a changed token or a restarted server.
function lockOut(why) {
	state.token = '';
	state.csrf = '';
	try {
		sessionStorage.removeItem(TOKEN_KEY);
	} catch (e) {
		// nothing kept
	}
	show($('app'), false);
	show($('login'));
	$('login-token').value = '';
	$('login-password').value = '';
	setMsg($('login-error'), why);
	$('login-name').focus();
}

function signOut(why) {
	state.token = '';
	state.csrf = '';
	state.person = '';
	state.role = '';
	show($('push-role-note'), false);
	try {
		sessionStorage.removeItem(TOKEN_KEY);
	} catch (e) {
		// nothing kept
	}
	state.items = [];
	state.base = null;
	state.snapshot = '';
	closeEditor();
	show($('app'), false);
	show($('login'));
	$('login-token').value = '';
	$('login-password').value = '';
	setMsg($('login-error'), why || '');
	$('login-name').focus();
}

$('login-form').addEventListener('submit', async (ev) => {
	ev.preventDefault();
	const name = $('login-name').value.trim();
	const password = $('login-password').value;
	const token = $('login-token').value.trim();
	setMsg($('login-error'), '');
	if (token === '' && (name === '' || password === '')) {
		setMsg($('login-error'), '请输入用户名和密码。');
		return;
	}
	$('login-submit').disabled = true;
	try {
		if (token !== '' && (name === '' || password === ''))
			await signIn(token, false);
		else
			await signInPassword(name, password);
	} catch (e) {
		if (e instanceof ApiError && e.status === 401)
			setMsg($('login-error'), token !== '' && name === '' ?
			    '管理口令不正确，请检查后重试。' : '用户名或密码不对，请检查后重试。');
		else
			report(e, $('login-error'));
	} finally {
		$('login-submit').disabled = false;
	}
});

$('logout').addEventListener('click', async () => {
	if (isDirty() && !await confirmBox('有尚未保存的修改，退出后会丢失。确定退出吗？', '退出'))
		return;
	if (!state.token) {
		try {
			await api('DELETE', '/api/session', { signIn: true, token: '' });
		} catch (e) {
			// Signed out on this side anyway; the session ends idle.
		}
	}
	signOut('');
});

// ---------------------------------------------------------------- tabs

function showTab(name) {
	for (const b of document.querySelectorAll('#tabs .tab')) {
		if (b.dataset.tab === name)
			b.setAttribute('aria-current', 'page');
		else
			b.removeAttribute('aria-current');
	}
	for (const p of document.querySelectorAll('.tabpane'))
		show(p, p.id === `tab-${name}`);
	const load = {
		unanswered: loadUnanswered,
		stats: loadStats,
		history: loadHistory,
		push: loadMenuPreview,
		settings: loadSettings,
	}[name];
	if (load)
		load().catch((e) => report(e));
}

$('tabs').addEventListener('click', (ev) => {
	const b = ev.target.closest('.tab');
	if (b)
		showTab(b.dataset.tab);
});

// ---------------------------------------------------------------- list

async function loadItems() {
	const all = await api('GET', '/api/kb/items');
	state.items = Array.isArray(all.items) ? all.items : [];
	if (all.revision !== undefined)
		state.kbRevision = all.revision;
	await search();
}

async function search() {
	const q = $('search').value.trim();
	setMsg($('list-error'), '');
	let items = state.items;
	if (q !== '') {
		try {
			const r = await api('GET',
			    `/api/kb/items?q=${encodeURIComponent(q)}`);
			items = Array.isArray(r.items) ? r.items : [];
		} catch (e) {
			report(e, $('list-error'));
			items = [];
		}
	}
	state.listed = items;
	renderList();
}

function renderList() {
	const q = $('search').value.trim();
	const ul = clear($('item-list'));
	$('list-info').textContent = q === '' ?
	    `共 ${state.items.length} 个条目` :
	    `“${q}”：找到 ${state.listed.length} 个条目`;
	const cur = state.base ? state.base.id : null;
	for (const it of state.listed) {
		const kws = Array.isArray(it.keywords) ? it.keywords : [];
		const shown = kws.slice(0, 6).join('、') +
		    (kws.length > 6 ? ` 等 ${kws.length} 个` : '');
		const btn = el('button', {
			type: 'button', class: 'item-row',
			dataset: { id: it.id },
			'aria-current': it.id === cur ? 'true' : null,
		},
		el('span', { class: 'row-title' }, it.title || '（无标题）',
		    isExpired(it) ? el('span', { class: 'badge expired' }, '已过期') : null),
		el('span', { class: 'row-meta' },
		    `${MATCH_TEXT[it.match || 'contains'] || it.match}匹配`),
		el('span', { class: 'row-kw' }, shown));
		ul.append(el('li', {}, btn));
	}
	if (state.listed.length === 0)
		ul.append(el('li', { class: 'muted empty-row' },
		    q === '' ? '知识库里还没有条目。' : '没有找到。换个词试试，或新建条目。'));
}

let searchTimer = 0;
$('search').addEventListener('input', () => {
	clearTimeout(searchTimer);
	searchTimer = setTimeout(() => search().catch((e) => report(e)), 300);
});
$('search-form').addEventListener('submit', (ev) => {
	ev.preventDefault();
	clearTimeout(searchTimer);
	search().catch((e) => report(e));
});

$('item-list').addEventListener('click', async (ev) => {
	const b = ev.target.closest('.item-row');
	if (!b)
		return;
	try {
		await openItem(b.dataset.id);
	} catch (e) {
		report(e);
	}
});

$('new-item').addEventListener('click', () => {
	newItem({}).catch((e) => report(e));
});

// ---------------------------------------------------------------- editor

const F = {
	id: $('f-id'), title: $('f-title'), match: $('f-match'),
	priority: $('f-priority'), reply: $('f-reply'), menuKey: $('f-menu-key'),
	source: $('f-source'), sourceUrl: $('f-source-url'), valid: $('f-valid'),
	menuName: $('f-menu-name'), replyMode: $('f-reply-mode'),
};

const REPLIES_MAX = 8;	// as the loader allows

// The contents of a reply made only of text (one reply or several), or
// null when it holds another type.
function replyTexts(reply) {
	const rs = Array.isArray(reply) ? reply : [reply || { type: 'text', content: '' }];
	if (!rs.every((r) => r && typeof r === 'object' && (r.type === 'text' || r.type === undefined)))
		return null;
	return rs.map((r) => (typeof r.content === 'string' ? r.content : ''));
}

function moreReplies() {
	return [...document.querySelectorAll('#more-replies textarea')];
}

// Another text reply under the first, with a button to remove it.
function addReplyBox(text) {
	const n = moreReplies().length + 2;
	const box = el('div', { class: 'more-reply' },
	    el('div', { class: 'more-reply-head' },
		el('span', { class: 'more-reply-no' }, `第 ${n} 条回复`),
		el('button', {
			type: 'button', class: 'link small remove-reply',
			onclick: () => {
				box.remove();
				renumberReplies();
				renderPreview();
			},
		}, '删除这一条')),
	    el('textarea', { rows: 4, 'aria-label': `第 ${n} 条回复` }));
	box.querySelector('textarea').value = text;
	box.querySelector('textarea').addEventListener('input', renderPreview);
	$('more-replies').append(box);
	renumberReplies();
	return box;
}

function renumberReplies() {
	moreReplies().forEach((t, i) => {
		t.closest('.more-reply').querySelector('.more-reply-no').textContent = `第 ${i + 2} 条回复`;
		t.setAttribute('aria-label', `第 ${i + 2} 条回复`);
	});
	const several = moreReplies().length > 0;
	show($('reply-mode-box'), several);
	$('add-reply').disabled = moreReplies().length + 1 >= REPLIES_MAX;
}

function isDirty() {
	return !$('editor').hidden && state.snapshot !== '' &&
	    JSON.stringify(readForm()) !== state.snapshot;
}

async function leaveEditorOk() {
	if (!isDirty())
		return true;
	return confirmBox('这个条目有尚未保存的修改，放弃这些修改吗？', '放弃修改');
}

window.addEventListener('beforeunload', (ev) => {
	if (isDirty() || settingsDirty()) {
		ev.preventDefault();
		ev.returnValue = '';
	}
});

function textReply(reply) {
	return reply && !Array.isArray(reply) && typeof reply === 'object' &&
	    (reply.type === 'text' || reply.type === undefined);
}

// Fill the editor with ITEM (from the server, or a new draft).
function fillEditor(item, isNew) {
	if (!state.base || !item || state.base.id !== item.id)
		state.lastKw = '';
	state.base = isNew ? null : clone(item);
	state.isNew = isNew;
	state.draftBase = clone(item);
	state.pendingMine = null;
	state.pendingCurrent = null;
	show($('conflict'), false);
	show($('editor-errors'), false);
	$('save-status').textContent = '';
	$('save-status').className = 'status';

	$('editor-heading').textContent = isNew ? '新建条目' : `编辑：${item.title || item.id}`;
	$('editor-rev').textContent = !isNew && item.updated ? `更新于 ${item.updated}` : '';
	F.id.value = item.id || '';
	F.id.readOnly = !isNew;
	$('f-id-hint').textContent = isNew ? '不填则自动生成。填的话只能用小写字母、数字和“-”，创建后不能修改。' :
	    '编号创建后不能修改。';
	$('advanced').open = false;
	show($('item-history-btn'), !isNew);
	F.title.value = item.title || '';
	state.keywords = Array.isArray(item.keywords) ? item.keywords.slice() : [];
	F.match.value = item.match === 'exact' ? 'exact' : 'contains';
	F.priority.value = Number.isInteger(item.priority) ? String(item.priority) : '0';
	// Text replies, one or several, are edited here; the others are
	// shown and kept as they are.
	const texts = replyTexts(item.reply);
	const editable = texts !== null;
	show(F.reply, editable);
	show($('add-reply'), editable);
	show($('reply-readonly'), !editable);
	clear($('more-replies'));
	F.replyMode.value = item.reply_mode === 'random_one' ? 'random_one' : 'all';
	if (editable) {
		F.reply.value = texts[0] ?? '';
		for (const t of texts.slice(1))
			addReplyBox(t);
	} else {
		F.reply.value = '';
		$('reply-readonly-note').textContent = readonlyNote(item);
		$('reply-readonly-text').textContent = replySummary(item.reply);
	}
	F.menuKey.value = item.menu_key || '';
	F.menuName.value = item.menu_name || '';
	F.source.value = item.source || '';
	F.sourceUrl.value = item.source_url || '';
	F.valid.value = item.valid_until || '';
	const exp = !isNew && isExpired(item);
	$('editor-expired').textContent = exp ?
	    `这个条目已过期（有效期至 ${item.valid_until}），居民不会再收到它。更新内容后修改或清空“有效期至”即可恢复。` : '';
	show($('editor-expired'), exp);

	renderChips();
	show($('editor-empty'), false);
	show($('editor'));
	state.snapshot = JSON.stringify(readForm());
	renderPreview();
	markListSelection();
}

function readonlyNote(item) {
	if (Array.isArray(item.reply)) {
		const how = item.reply_mode === 'random_one' ? '随机发送其中一条' : '全部发送';
		return `这个条目有 ${item.reply.length} 条回复（${how}），其中有文字以外的消息（图片、图文等），只能在知识库文件里修改；这里只显示内容。`;
	}
	const t = item.reply && item.reply.type;
	return `这个条目的回复是“${REPLY_TYPE_TEXT[t] || t || '未知'}”类型，只能在知识库文件里修改；这里只显示内容。`;
}

function replySummary(reply) {
	const one = (r) => {
		if (!r || typeof r !== 'object')
			return '';
		switch (r.type) {
		case 'text':
			return r.content || '';
		case 'news':
			return (r.articles || []).map((a, i) =>
			    `${i + 1}. ${a.title || ''}\n   ${a.description || ''}\n   ${a.url || ''}`).join('\n');
		case 'music':
			return `${REPLY_TYPE_TEXT.music}：${r.title || ''} ${r.music_url || ''}`.trim();
		default:
			return `${REPLY_TYPE_TEXT[r.type] || r.type}：公众号素材库里的素材（素材编号 ${r.media_id || '？'}）` +
			    (r.title ? `，标题“${r.title}”` : '') + (r.description ? `，说明“${r.description}”` : '');
		}
	};
	return Array.isArray(reply) ? reply.map((r, i) => `（${i + 1}）${one(r)}`).join('\n\n') : one(reply);
}

function closeEditor() {
	show($('editor'), false);
	show($('editor-empty'));
	state.base = null;
	state.isNew = false;
	state.snapshot = '';
	markListSelection();
}

function markListSelection() {
	const cur = state.base ? state.base.id : null;
	for (const b of document.querySelectorAll('#item-list .item-row')) {
		if (b.dataset.id === cur)
			b.setAttribute('aria-current', 'true');
		else
			b.removeAttribute('aria-current');
	}
}

function scrollToEditor() {
	if (window.matchMedia('(max-width: 900px)').matches)
		$('editor').scrollIntoView({ block: 'start' });
}

async function openItem(id, { force = false } = {}) {
	if (!force && !await leaveEditorOk())
		return false;
	const r = await api('GET', `/api/kb/items/${encodeURIComponent(id)}`);
	showTab('items');
	fillEditor(r.item, false);
	scrollToEditor();
	return true;
}

async function newItem(prefill) {
	if (!await leaveEditorOk())
		return false;
	showTab('items');
	fillEditor({
		id: '', title: '', keywords: [], match: 'contains', priority: 0,
		reply: { type: 'text', content: '' }, ...prefill,
	}, true);
	scrollToEditor();
	(prefill.title ? F.reply : F.title).focus();
	return true;
}

// The item as the form shows it, ready to send.  It starts from the item
// as loaded so fields the page does not edit (menu_group, reply_mode,
// replies of other types) are kept.
function readForm() {
	const it = clone(state.draftBase) || {};
	delete it.expired;
	delete it.revision;
	it.id = F.id.value.trim();
	if (state.isNew && it.id === '')
		delete it.id;		// the server names it
	it.title = F.title.value.trim();
	it.keywords = state.keywords.slice();
	it.match = F.match.value;
	const p = Number(F.priority.value);
	it.priority = Number.isInteger(p) ? p : F.priority.value;
	if (!F.reply.hidden) {
		const texts = [F.reply.value, ...moreReplies().map((t) => t.value)];
		if (texts.length === 1) {
			it.reply = { type: 'text', content: texts[0] };
			delete it.reply_mode;
		} else {
			it.reply = texts.map((content) => ({ type: 'text', content }));
			it.reply_mode = F.replyMode.value;
		}
	}
	const opt = [['menu_key', F.menuKey], ['menu_name', F.menuName], ['source', F.source],
		['source_url', F.sourceUrl], ['valid_until', F.valid]];
	for (const [k, input] of opt) {
		const v = input.value.trim();
		if (v === '')
			delete it[k];
		else
			it[k] = v;
	}
	return it;
}

// Problems the page can tell before asking the server.
function checkItem(it) {
	const p = [];
	if (it.id !== undefined && !ID_RE.test(it.id))
		p.push('编号：只能用 1 到 64 个小写字母、数字和“-”（也可以不填，自动生成）。');
	if (it.title === '')
		p.push('标题：不能为空。');
	if (it.keywords.length === 0)
		p.push('关键词：至少要有一个。');
	if (it.keywords.length > KW_MAX)
		p.push(`关键词：最多 ${KW_MAX} 个。`);
	if (!Number.isInteger(it.priority))
		p.push('优先级：必须是整数。');
	const texts = replyTexts(it.reply);
	if (texts !== null && texts.length === 1 && texts[0].trim() === '')
		p.push('回复内容：不能为空。');
	if (texts !== null && texts.length > 1)
		texts.forEach((t, i) => {
			if (t.trim() === '')
				p.push(`回复内容：第 ${i + 1} 条是空的，写上内容或删掉它。`);
		});
	if (it.source_url && !/^https?:\/\/\S+$/i.test(it.source_url))
		p.push('来源链接：要以 http:// 或 https:// 开头。');
	if (it.menu_name && !it.menu_key)
		p.push('菜单名：要同时填“菜单键”，这个条目才会在菜单里。');
	const wide = it.menu_group ? 16 : 8;
	if (it.menu_name && menuWidth(it.menu_name) > wide)
		p.push(`菜单名：${it.menu_group ? '二级' : '一级'}菜单微信只显示 ${wide / 2} 个字。`);
	return p;
}

// A problem as staff read it; the server's words, when the page has no
// translation, only under "技术细节" for whoever maintains the server.
function detailLine(d) {
	const zh = zhDetail(d);
	return zh !== null ? zh : ['这一项不符合要求。',
	    el('details', { class: 'tech' }, el('summary', {}, '技术细节'), el('code', {}, String(d)))];
}

function showErrors(text, details) {
	$('editor-errors-text').textContent = text;
	const ul = clear($('editor-errors-list'));
	for (const d of details || [])
		ul.append(el('li', {}, detailLine(d)));
	// A problem with the id or the menu key: open the fold they are in.
	if ((details || []).some((d) => /^(?:.*: )?(id|menu_key)\b|编号|菜单键/.test(String(d))))
		$('advanced').open = true;
	show($('editor-errors'));
	$('editor-errors').scrollIntoView({ behavior: 'smooth', block: 'nearest' });
}

// ------------------------------------------------ keyword chips

function otherUses(kw) {
	const n = norm(kw);
	const self = state.base ? state.base.id : F.id.value.trim();
	if (n === '')
		return [];
	return state.items.filter((it) => it.id !== self &&
	    Array.isArray(it.keywords) && it.keywords.some((k) => norm(k) === n));
}

function renderChips() {
	const box = $('chips');
	const input = $('kw-input');
	for (const c of box.querySelectorAll('.chip'))
		c.remove();
	const warn = clear($('kw-warn'));
	state.keywords.forEach((kw, i) => {
		const others = otherUses(kw);
		const chip = el('span', {
			class: others.length ? 'chip shared' : 'chip',
			dataset: { kw },
		},
		el('span', { class: 'chip-text' }, kw),
		el('button', {
			type: 'button', class: 'chip-x',
			'aria-label': `删除关键词 ${kw}`, title: '删除',
			onclick: () => {
				state.keywords.splice(i, 1);
				renderChips();
				renderPreview();
				input.focus();
			},
		}, '×'));
		box.insertBefore(chip, input);
		if (others.length)
			warn.append(el('li', {}, `“${kw}”`,
			    `该关键词也用于：${others.map(itemLabel).join('、')}`));
	});
	if (utf8len(input.value) > KW_MAX_BYTES)
		warn.append(el('li', { class: 'err' }, '关键词太长：最多 64 字节（约 21 个汉字）。'));
}

// Add the words typed so far; answers false (and says why) when one
// cannot be added.
function addKeywords(text) {
	const parts = text.split(/[,，、;；\n]/).map((s) => s.trim()).filter(Boolean);
	let ok = true;
	for (const kw of parts) {
		const n = norm(kw);
		if (n === '') {
			flash(`“${kw}”只有标点或空格，不能作关键词。`, 'err');
			ok = false;
		} else if (utf8len(kw) > KW_MAX_BYTES) {
			flash(`关键词“${kw}”太长：最多 64 字节（约 21 个汉字）。`, 'err');
			ok = false;
		} else if (state.keywords.some((k) => norm(k) === n)) {
			flash(`这个条目已经有关键词“${kw}”了。`, 'err');
		} else if (state.keywords.length >= KW_MAX) {
			flash(`一个条目最多 ${KW_MAX} 个关键词。`, 'err');
			ok = false;
		} else {
			state.keywords.push(kw);
			state.lastKw = kw;
		}
	}
	renderChips();
	renderPreview();
	return ok;
}

$('kw-input').addEventListener('keydown', (ev) => {
	const input = ev.target;
	if (ev.isComposing)
		return;		// an input method is still composing
	if (ev.key === 'Enter' || ev.key === ',' || ev.key === '，') {
		ev.preventDefault();
		if (input.value.trim() !== '' && addKeywords(input.value))
			input.value = '';
		renderChips();
	}
	// No Backspace-deletes-the-last-chip: a keyword goes only by its ×,
	// so none is lost by a stray key.
});
$('kw-input').addEventListener('input', (ev) => {
	const input = ev.target;
	// A comma typed through an input method, or pasted text.
	if (/[,，、\n]/.test(input.value)) {
		const last = input.value.split(/[,，、\n]/).pop();
		const head = input.value.slice(0, input.value.length - last.length);
		if (addKeywords(head))
			input.value = last;
		else	// keep what was refused in sight, to be fixed
			input.value = input.value.replace(/[,，、\n]/g, ' ');
	}
	renderChips();
});
$('kw-input').addEventListener('blur', (ev) => {
	const input = ev.target;
	if (input.value.trim() !== '' && addKeywords(input.value))
		input.value = '';
});
$('chips').addEventListener('click', (ev) => {
	if (ev.target === $('chips'))
		$('kw-input').focus();
});

// ------------------------------------------------ preview bubble

// WeChat text replies may hold <a href="...">links</a>: show those as
// links and everything else as plain text.
function richText(s) {
	const out = [];
	const re = /<a\s+href\s*=\s*(["'])(.*?)\1\s*>(.*?)<\/a>/gis;
	let last = 0;
	let m;
	while ((m = re.exec(s)) !== null) {
		if (m.index > last)
			out.push(s.slice(last, m.index));
		const href = m[2];
		out.push(/^https?:\/\//i.test(href) ?
		    el('a', { href, target: '_blank', rel: 'noopener noreferrer' }, m[3]) :
		    m[0]);
		last = re.lastIndex;
	}
	out.push(s.slice(last));
	return out;
}

function replyBubble(reply) {
	if (Array.isArray(reply))
		return reply.map(replyBubble).flat();
	if (!reply || typeof reply !== 'object')
		return [el('div', { class: 'bubble bot' }, '（没有回复）')];
	switch (reply.type) {
	case 'text':
	case undefined:
		return [el('div', { class: 'bubble bot' },
		    reply.content ? richText(reply.content) : el('span', { class: 'muted' }, '（回复内容为空）'))];
	case 'news':
		return (reply.articles || []).map((a) => el('div', { class: 'bubble bot news' },
		    el('strong', {}, a.title || ''),
		    el('span', { class: 'news-desc' }, a.description || ''),
		    a.url ? el('span', { class: 'news-url' }, a.url) : null));
	default:
		return [el('div', { class: 'bubble bot media' },
		    el('strong', {}, `［${REPLY_TYPE_TEXT[reply.type] || reply.type}］`),
		    reply.title || reply.description ? ` ${reply.title || reply.description}` : '',
		    reply.media_id ? el('span', { class: 'news-url' }, `素材编号 ${reply.media_id}`) : null)];
	}
}

// chat(question, reply): a small phone screen with the resident's message
// and the account's answer.
function chat(question, reply) {
	return el('div', { class: 'chat' },
	    el('div', { class: 'chat-head' }, '山海小王哥庄'),
	    el('div', { class: 'chat-body' },
		el('div', { class: 'msg-row me' },
		    el('div', { class: 'bubble me' }, question),
		    el('span', { class: 'avatar me', 'aria-hidden': 'true' }, '民')),
		el('div', { class: 'msg-row bot' },
		    el('span', { class: 'avatar bot', 'aria-hidden': 'true' }, '王'),
		    el('div', { class: 'bubbles' }, replyBubble(reply)))));
}

function renderPreview() {
	const it = readForm();
	// Ask with the keyword just added, else the first one.
	const q = (state.keywords.includes(state.lastKw) ? state.lastKw : '') ||
	    state.keywords[0] || '（居民发来的话）';
	clear($('preview')).append(chat(q, it.reply));
	if (Array.isArray(it.reply) && it.reply_mode === 'random_one')
		$('preview').append(el('p', { class: 'muted' }, '居民每次收到其中随机的一条。'));
}

for (const input of [F.reply, F.replyMode])
	input.addEventListener('input', renderPreview);
$('add-reply').addEventListener('click', () => {
	addReplyBox('').querySelector('textarea').focus();
	renderPreview();
});

// ------------------------------------------------ save, delete

$('editor').addEventListener('submit', (ev) => {
	ev.preventDefault();
	save().catch((e) => report(e));
});

async function save(overwrite) {
	const input = $('kw-input');
	if (input.value.trim() !== '' && addKeywords(input.value))
		input.value = '';
	show($('editor-errors'), false);
	const it = readForm();
	const problems = checkItem(it);
	if (problems.length) {
		showErrors('还不能保存，请先改正：', problems);
		return;
	}
	it.updated = today();
	$('save').disabled = true;
	$('save-status').textContent = '正在保存…';
	try {
		let r;
		if (state.isNew) {
			r = await api('POST', '/api/kb/items',
			    { body: it, ifMatch: state.kbRevision });
		} else {
			const rev = overwrite ? overwrite.revision : state.base.revision;
			r = await api('PUT',
			    `/api/kb/items/${encodeURIComponent(it.id)}`,
			    { body: it, ifMatch: rev });
		}
		if (r && r.revision !== undefined)
			state.kbRevision = r.revision;
		const saved = r && r.item ? r.item : { ...it, revision: r && r.revision };
		fillEditor(saved, false);
		// The list and the header follow; the save itself is done,
		// whatever happens to them.
		try {
			await loadItems();
			await refreshKbInfo();
		} catch (e) {
			report(e, $('list-error'));
		}
		$('save-status').textContent = '已保存，居民现在就能收到新的回答。';
		$('save-status').className = 'status ok';
		const warned = r && Array.isArray(r.warnings) ?
		    r.warnings.map(zhDetail).filter(Boolean) : [];
		if (warned.length)
			flash(`已保存“${saved.title}”，但请留意：${warned.join('；')}`, 'warn');
		else
			flash(`已保存“${saved.title}”。`);
	} catch (e) {
		$('save-status').textContent = '';
		if (e instanceof ApiError && e.status === 412) {
			showConflict(it, e.body ? e.body.current : undefined);
		} else if (e instanceof ApiError && e.status === 422) {
			showErrors(e.message, e.body && e.body.details);
		} else if (e instanceof ApiError && e.status === 409) {
			$('advanced').open = true;
			showErrors('编号已被另一个条目使用，请在“高级设置”里换一个，或清空让系统自动生成。', []);
		} else if (e instanceof ApiError) {
			showErrors(e.message, e.body && e.body.details);
		} else {
			throw e;
		}
	} finally {
		$('save').disabled = false;
	}
}

async function refreshKbInfo() {
	try {
		showKbInfo(await api('GET', '/api/kb'));
	} catch (e) {
		// The list already shows the change; the header can wait.
	}
}

$('revert').addEventListener('click', async () => {
	if (!isDirty())
		return;
	if (!await confirmBox('放弃对这个条目的全部修改吗？', '放弃修改'))
		return;
	if (state.isNew)
		closeEditor();
	else
		fillEditor(state.base, false);
});

$('delete').addEventListener('click', async () => {
	if (state.isNew) {
		if (!isDirty() || await confirmBox('放弃这个新条目吗？', '放弃'))
			closeEditor();
		return;
	}
	const it = state.base;
	if (!await confirmBox(`确定删除条目“${it.title}”吗？删除后居民将不再收到这个回答。需要时可以在“历史”里恢复。`, '删除'))
		return;
	try {
		const r = await api('DELETE', `/api/kb/items/${encodeURIComponent(it.id)}`,
		    { ifMatch: it.revision });
		if (r && r.revision !== undefined)
			state.kbRevision = r.revision;
		state.snapshot = '';
		closeEditor();
		flash(`已删除“${it.title}”。`);
		await loadItems();
		refreshKbInfo();
	} catch (e) {
		if (e instanceof ApiError && e.status === 412) {
			showErrors('没有删除：别人刚刚修改了这个条目。请先看看最新的内容，再决定是否删除。', []);
			const cur = e.body && e.body.current;
			if (cur)
				fillEditorKeepErrors(cur);
		} else {
			report(e);
		}
	}
});

function fillEditorKeepErrors(item) {
	const t = $('editor-errors-text').textContent;
	fillEditor(item, false);
	showErrors(t, []);
}

// ------------------------------------------------ conflict

const FIELDS = [
	['title', '标题', (v) => v || ''],
	['keywords', '关键词', (v) => (Array.isArray(v) ? v.join('、') : '')],
	['match', '匹配方式', (v) => MATCH_TEXT[v || 'contains'] || v],
	['priority', '优先级', (v) => String(v ?? 0)],
	['reply', '回复', (v) => replySummary(v)],
	['menu_key', '菜单键', (v) => v || ''],
	['menu_name', '菜单名', (v) => v || ''],
	['source', '信息来源', (v) => v || ''],
	['source_url', '来源链接', (v) => v || ''],
	['valid_until', '有效期至', (v) => v || ''],
];

function showConflict(mine, current) {
	state.pendingMine = mine;
	state.pendingCurrent = current || null;
	const dlMine = clear($('conflict-mine'));
	const dlTheirs = clear($('conflict-theirs'));
	if (current) {
		$('conflict-text').textContent = '你打开这个条目之后，别人保存了新的内容。你的修改还没有保存，也没有丢失。请对照两边，选择保留哪一个。';
		$('conflict-theirs-head').textContent = '对方保存的版本';
		$('conflict-theirs-btn').textContent = '保留对方的版本';
		$('conflict-mine-btn').textContent = '用我的版本覆盖';
	} else {
		$('conflict-text').textContent = '你打开这个条目之后，别人把它删除了。你的修改还没有保存，也没有丢失。';
		$('conflict-theirs-head').textContent = '当前版本';
		$('conflict-theirs-btn').textContent = '同意删除';
		$('conflict-mine-btn').textContent = '用我的版本重新创建';
	}
	for (const [k, label, fmt] of FIELDS) {
		const a = fmt(mine[k]);
		const b = current ? fmt(current[k]) : '';
		const cls = current && a !== b ? 'diff' : null;
		dlMine.append(el('dt', { class: cls }, label), el('dd', { class: cls }, a || '—'));
		if (current)
			dlTheirs.append(el('dt', { class: cls }, label), el('dd', { class: cls }, b || '—'));
	}
	if (current) {
		// Long keyword lists: name the difference.
		const kw = (x) => (Array.isArray(x.keywords) ? x.keywords : []);
		const onlyIn = (a, b) => kw(a).filter((k) => !kw(b).includes(k));
		const mineOnly = onlyIn(mine, current);
		const theirsOnly = onlyIn(current, mine);
		if (mineOnly.length || theirsOnly.length) {
			dlMine.append(el('dt', { class: 'diff' }, '关键词区别'),
			    el('dd', { class: 'diff kw-diff' },
				mineOnly.length ? `只有你的版本有：${mineOnly.join('、')}` : '—'));
			dlTheirs.append(el('dt', { class: 'diff' }, '关键词区别'),
			    el('dd', { class: 'diff kw-diff' },
				theirsOnly.length ? `只有当前版本有：${theirsOnly.join('、')}` : '—'));
		}
	} else {
		dlTheirs.append(el('dd', { class: 'muted' }, '（已删除）'));
	}
	show($('conflict'));
	$('conflict').scrollIntoView({ behavior: 'smooth', block: 'start' });
}

$('conflict-theirs-btn').addEventListener('click', async () => {
	const cur = state.pendingCurrent;
	show($('conflict'), false);
	state.snapshot = '';
	if (cur) {
		fillEditor(cur, false);
		$('save-status').textContent = '已换成对方保存的版本。';
	} else {
		closeEditor();
		flash('这个条目已被删除。');
	}
	await loadItems();
});

$('conflict-mine-btn').addEventListener('click', async () => {
	const mine = state.pendingMine;
	const cur = state.pendingCurrent;
	if (!mine)
		return;
	show($('conflict'), false);
	try {
		if (cur) {
			// Keep the form as it is (it holds our version) and
			// name the revision we have now seen.
			state.base = clone(cur);
			await save(cur);
		} else {
			const info = await api('GET', '/api/kb');
			showKbInfo(info);
			state.isNew = true;
			state.base = null;
			await save();
		}
	} catch (e) {
		report(e);
	}
});

// ---------------------------------------------------------------- query

$('query-form').addEventListener('submit', async (ev) => {
	ev.preventDefault();
	const q = $('query-text').value.trim();
	setMsg($('query-error'), '');
	const box = $('query-result');
	if (q === '') {
		setMsg($('query-error'), '请输入一句居民可能发来的话。');
		return;
	}
	try {
		const r = await api('GET', `/api/query?q=${encodeURIComponent(q)}`);
		renderQuery(q, r);
	} catch (e) {
		show(box, false);
		report(e, $('query-error'));
	}
});

function renderQuery(q, r) {
	const box = clear($('query-result'));
	const head = el('div', { class: `query-head ${r.result || ''}` },
	    el('strong', {}, RESULT_TEXT[r.result] || r.result || ''));
	box.append(head);
	if (r.why)
		box.append(el('p', { class: 'muted query-why' }, `判断依据：${r.why}`));
	if (r.item) {
		box.append(el('p', { class: 'query-item' }, '匹配条目：',
		    el('button', {
			    type: 'button', class: 'link', dataset: { id: r.item.id },
			    onclick: () => openItem(r.item.id).catch((e) => report(e)),
		    }, itemLabel(r.item)),
		    r.item.expired ? el('span', { class: 'badge expired' }, '已过期') : null));
		const facts = [];
		if (r.score !== undefined && r.score !== null)
			facts.push(`得分 ${r.score}`);
		if (r.exact)
			facts.push('精确匹配');
		if (facts.length)
			box.append(el('p', { class: 'muted query-facts' }, facts.join(' · ')));
	}
	if (Array.isArray(r.suggestions) && r.suggestions.length) {
		box.append(el('p', {}, '建议的条目：'),
		    el('ol', { class: 'suggestions' }, r.suggestions.map((s) =>
			el('li', {}, el('button', {
				type: 'button', class: 'link',
				onclick: () => openItem(s.id).catch((e) => report(e)),
			}, itemLabel(s))))));
	}
	if (r.reply)
		box.append(el('div', { class: 'phone small' }, chat(q, r.reply)));
	show(box);
}

// ---------------------------------------------------------------- synonyms

function showSynonyms(groups) {
	$('synonyms-text').value = (Array.isArray(groups) ? groups : [])
	    .map((g) => g.join(' ')).join('\n');
}

// One group a line; words apart by white space, commas or 、.
function parseSynonyms(text) {
	return text.split('\n')
	    .map((line) => line.split(/[\s,，、]+/).filter((w) => w !== ''))
	    .filter((g) => g.length > 0);
}

$('synonyms-form').addEventListener('submit', async (ev) => {
	ev.preventDefault();
	const box = $('synonyms-error');
	setMsg(box, '');
	const groups = parseSynonyms($('synonyms-text').value);
	const lone = groups.find((g) => g.length < 2);
	if (lone) {
		setMsg(box, `“${lone[0]}”这一行只有一个词：每组至少要有两个词。`);
		return;
	}
	try {
		await api('PUT', '/api/kb', {
			body: { synonyms: groups }, ifMatch: state.kbRevision,
		});
		const info = await api('GET', '/api/kb');
		showKbInfo(info);
		showSynonyms(info.synonyms);
		flash('同义词已保存，居民的提问马上按新的同义词理解。');
	} catch (e) {
		if (e instanceof ApiError && e.status === 412 && e.body) {
			const cur = e.body.current || {};
			if (cur.revision !== undefined)
				state.kbRevision = cur.revision;
			showSynonyms(cur.synonyms);
			setMsg(box, '别人刚刚修改了知识库，这里已换成最新的同义词。请重新修改后再保存。');
			return;
		}
		report(e, box);
		if (e instanceof ApiError && e.body && Array.isArray(e.body.details))
			box.append(el('ul', {}, e.body.details.map((d) => el('li', {}, String(d)))));
	}
});

// ---------------------------------------------------------------- unanswered

// Words around a question that are no keyword: greetings in front, the
// question words that end the subject ("社区医院|几点开门").
const Q_LEAD = /^(请问一下|请问|你好|您好|麻烦问一下|麻烦问下|我想问一下|我想问|想问一下|想问下|想问|问一下|问下|咨询一下|咨询|我想|我要|我们|我)+/;
const Q_WORDS = ['什么时候', '几点', '几时', '多少', '怎么样', '怎么', '如何', '哪里', '哪儿', '在哪', '哪个',
	'是什么', '什么', '是不是', '能不能', '可不可以', '可以', '有没有', '是否', '吗', '呢', '啊', '吧'];
const KW_PROPOSED = 8;	// characters at most

// A short keyword proposed from a question; staff edit it.
function proposeKeyword(text) {
	const q = norm(text).replace(Q_LEAD, '');
	let cut = q.length;
	let word = '';
	for (const w of Q_WORDS) {
		const i = q.indexOf(w);
		if (i >= 0 && i < cut) {
			cut = i;
			word = w;
		}
	}
	let kw = q.slice(0, cut);
	// Nothing before the question word ("怎么申请低保"): what follows.
	if ([...kw].length < 2)
		kw = q.slice(cut + word.length).replace(/(吗|呢|啊|吧)+$/, '');
	if ([...kw].length < 2)
		kw = q;
	return [...kw].slice(0, KW_PROPOSED).join('');
}

const Q_STATE_TEXT = { open: '待处理', ignored: '已忽略', handled: '已处理' };

async function setQuestionState(text, st) {
	setMsg($('unanswered-error'), '');
	try {
		await api('POST', '/api/stats/unanswered/state', { body: { text, state: st } });
		flash(st === 'open' ? `“${text}”已放回待处理。` : `“${text}”已标为${Q_STATE_TEXT[st]}。`);
		await loadUnanswered();
	} catch (e) {
		report(e, $('unanswered-error'));
	}
}

async function loadUnanswered() {
	setMsg($('unanswered-error'), '');
	const tb = clear($('unanswered-body'));
	let r;
	try {
		r = await api('GET', '/api/stats/unanswered');
	} catch (e) {
		report(e, $('unanswered-error'));
		return;
	}
	const want = $('unanswered-filter').value;
	const all = (Array.isArray(r.questions) ? r.questions : [])
		.slice().sort((a, b) => (b.count || 0) - (a.count || 0));
	// An answered question is done, whatever its mark.
	const stateOf = (q) => (q.answered_by && (q.state || 'open') === 'open' ? 'handled' : q.state || 'open');
	const qs = all.filter((q) => want === 'all' || stateOf(q) === want);
	const answered = all.filter((q) => q.answered_by && (q.state || 'open') === 'open').length;
	$('unanswered-answered').textContent = want === 'open' && answered ?
	    `另有 ${answered} 个问题现在已经能回答了，不再列出（选“全部”可以看到）。` : '';
	show($('unanswered-answered'), want === 'open' && answered > 0);
	$('unanswered-empty').textContent = want === 'open' ? '目前没有待处理的问题。' : '没有这样的问题。';
	show($('unanswered-empty'), qs.length === 0);
	for (const q of qs) {
		const st = stateOf(q);
		const acts = [];
		if (st === 'open') {
			acts.push(el('button', {
				type: 'button', class: 'small add-existing',
				onclick: () => pickItemFor(q.text),
			}, '加入已有条目'),
			el('button', {
				type: 'button', class: 'small primary new-from',
				onclick: () => newFromQuestion(q.text),
			}, '新建条目'),
			el('button', {
				type: 'button', class: 'small mark-ignored',
				onclick: () => setQuestionState(q.text, 'ignored'),
			}, '忽略'),
			el('button', {
				type: 'button', class: 'small mark-handled',
				onclick: () => setQuestionState(q.text, 'handled'),
			}, '已处理'));
		} else if (!q.answered_by || q.state !== 'open') {
			acts.push(el('button', {
				type: 'button', class: 'small mark-open',
				onclick: () => setQuestionState(q.text, 'open'),
			}, '放回待处理'));
		}
		tb.append(el('tr', { dataset: { q: q.text, state: st } },
		    el('td', { class: 'q' }, q.text,
			q.answered_by ? el('span', { class: 'answered-by muted' },
			    `现在已能回答：${q.answered_by.title}`) : null,
			want === 'all' ? el('span', { class: 'badge' }, Q_STATE_TEXT[st]) : null),
		    el('td', { class: 'num', 'data-label': '次数' }, String(q.count ?? '')),
		    el('td', { class: 'muted', 'data-label': '最近一次' }, fmtTime(q.last_seen)),
		    el('td', { class: 'row-actions' }, acts)));
	}
}

$('unanswered-refresh').addEventListener('click', () => {
	loadUnanswered().catch((e) => report(e));
});
$('unanswered-filter').addEventListener('change', () => {
	loadUnanswered().catch((e) => report(e));
});

function newFromQuestion(text) {
	newItem({ title: text, keywords: [proposeKeyword(text)] }).then((ok) => {
		if (ok) {
			$('save-status').className = 'status';
			$('save-status').textContent = '关键词是从问题里取的短词，可以修改；写好回复内容后点“保存”。';
		}
	}).catch((e) => report(e));
}

function pickItemFor(text) {
	const d = $('pick');
	$('pick-question').textContent = text;
	$('pick-kw').value = proposeKeyword(text);
	$('pick-filter').value = '';
	setMsg($('pick-error'), '');
	d.dataset.q = text;
	renderPick();
	d.showModal();
	$('pick-kw').focus();
}

function renderPick() {
	const f = norm($('pick-filter').value);
	const ul = clear($('pick-list'));
	const items = state.items.filter((it) => f === '' ||
	    norm(it.title || '').includes(f) || it.id.includes(f) ||
	    (it.keywords || []).some((k) => norm(k).includes(f)));
	for (const it of items.slice(0, 200)) {
		ul.append(el('li', {}, el('button', {
			type: 'button', class: 'pick-row', dataset: { id: it.id },
		}, el('span', {}, it.title || it.id))));
	}
	if (items.length === 0)
		ul.append(el('li', { class: 'muted' }, '没有找到条目。'));
}

$('pick-filter').addEventListener('input', renderPick);
$('pick-cancel').addEventListener('click', () => $('pick').close());
$('pick-list').addEventListener('click', async (ev) => {
	const b = ev.target.closest('.pick-row');
	if (!b)
		return;
	const d = $('pick');
	const kw = $('pick-kw').value.trim();
	if (norm(kw) === '') {
		setMsg($('pick-error'), '请先填写要加的关键词。');
		$('pick-kw').focus();
		return;
	}
	if (utf8len(kw) > KW_MAX_BYTES) {
		setMsg($('pick-error'), '关键词太长：最多 64 字节（约 21 个汉字）。');
		return;
	}
	d.close();
	try {
		if (!await openItem(b.dataset.id))
			return;
		if (addKeywords(kw)) {
			$('save-status').className = 'status';
			$('save-status').textContent = `已把“${kw}”加为关键词，检查无误后点“保存”。`;
		}
	} catch (e) {
		report(e);
	}
});

// ---------------------------------------------------------------- stats

// ------------------------------------------------ charts (SVG, no library)

const SVG_NS = 'http://www.w3.org/2000/svg';

function svg(tag, attrs, ...kids) {
	const n = document.createElementNS(SVG_NS, tag);
	for (const [k, v] of Object.entries(attrs || {}))
		if (v !== undefined && v !== null)
			n.setAttribute(k, String(v));
	for (const c of kids.flat())
		if (c !== undefined && c !== null)
			n.append(c instanceof Node ? c : document.createTextNode(String(c)));
	return n;
}

function isoDate(d) {
	const p = (x) => String(x).padStart(2, '0');
	return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`;
}

// The first date of the period chosen ("" for all of it).
function periodStart(period) {
	const d = new Date();
	if (period === 'all')
		return '';
	if (period === 'year')
		return `${d.getFullYear()}-01-01`;
	d.setDate(d.getDate() - Number(period) + 1);
	return isoDate(d);
}

const PERIOD_TEXT = { 7: '最近 7 天', 30: '最近 30 天', 90: '最近 90 天', year: '今年', all: '全部' };

// The Monday of the week of "YYYY-MM-DD", as "YYYY-MM-DD".
function weekOf(date) {
	const [y, m, d] = date.split('-').map(Number);
	const t = new Date(y, m - 1, d);
	t.setDate(t.getDate() - ((t.getDay() + 6) % 7));
	return isoDate(t);
}

// Answer rate per week or month: [{label, rate (0-100), total}].
function trendOf(days, by) {
	const groups = new Map();
	for (const d of days) {
		const key = by === 'month' ? d.date.slice(0, 7) : weekOf(d.date);
		const g = groups.get(key) || { answered: 0, total: 0 };
		g.answered += d.answered || 0;
		g.total += (d.answered || 0) + (d.suggested || 0) + (d.unanswered || 0);
		groups.set(key, g);
	}
	return [...groups.entries()].sort((a, b) => a[0].localeCompare(b[0]))
		.filter(([, g]) => g.total > 0)
		.map(([k, g]) => ({
			label: by === 'month' ? `${Number(k.slice(5))}月` : `${Number(k.slice(5, 7))}/${Number(k.slice(8))}起`,
			key: k, total: g.total, rate: Math.round((g.answered / g.total) * 1000) / 10,
		}));
}

function trendChart(points, by) {
	const W = 600;
	const H = 220;
	const L = 44;
	const R = 16;
	const T = 16;
	const B = 40;
	const x = (i) => L + (points.length === 1 ? (W - L - R) / 2 : (i * (W - L - R)) / (points.length - 1));
	const y = (r) => T + ((100 - r) * (H - T - B)) / 100;
	const kids = [];
	for (const r of [0, 50, 100]) {
		kids.push(svg('line', { x1: L, x2: W - R, y1: y(r), y2: y(r), class: 'grid' }),
		    svg('text', { x: L - 6, y: y(r) + 4, class: 'axis', 'text-anchor': 'end' }, `${r}%`));
	}
	if (points.length > 1)
		kids.push(svg('polyline', {
			class: 'trend-line',
			points: points.map((p, i) => `${x(i)},${y(p.rate)}`).join(' '),
		}));
	const every = Math.ceil(points.length / 8);
	points.forEach((p, i) => {
		kids.push(svg('circle', { cx: x(i), cy: y(p.rate), r: 4, class: 'trend-point', 'data-key': p.key },
		    svg('title', {}, `${p.label}：回答率 ${p.rate}%（共 ${p.total} 次提问）`)));
		if (i % every === 0 || i === points.length - 1)
			kids.push(svg('text', { x: x(i), y: H - B + 18, class: 'axis', 'text-anchor': 'middle' }, p.label));
	});
	return svg('svg', {
		viewBox: `0 0 ${W} ${H}`, class: 'chart-svg', role: 'img',
		'aria-label': `回答率${by === 'month' ? '按月' : '按周'}走势`,
	}, kids);
}

function barChart(rows) {
	const W = 600;
	const LABEL = 230;
	const ROW = 28;
	const max = rows.reduce((m, r) => Math.max(m, r.value), 0) || 1;
	const H = rows.length * ROW + 8;
	return svg('svg', { viewBox: `0 0 ${W} ${H}`, class: 'chart-svg', role: 'img', 'aria-label': '问得最多、还没答上的问题' },
	    rows.map((r, i) => {
		const w = Math.max(2, ((W - LABEL - 50) * r.value) / max);
		const short = [...r.label].length > 14 ? `${[...r.label].slice(0, 13).join('')}…` : r.label;
		return svg('g', { class: 'bar-row', 'data-q': r.label },
		    svg('title', {}, `${r.label}：${r.value} 次`),
		    svg('text', { x: LABEL - 8, y: i * ROW + 19, class: 'bar-label', 'text-anchor': 'end' }, short),
		    svg('rect', { x: LABEL, y: i * ROW + 6, width: w, height: ROW - 10, rx: 3, class: 'bar' }),
		    svg('text', { x: LABEL + w + 6, y: i * ROW + 19, class: 'axis' }, String(r.value)));
	    }));
}

let statsData = null;	// {items, days, questions}

async function loadStats() {
	setMsg($('stats-error'), '');
	let r;
	let u;
	try {
		[r, u] = await Promise.all([api('GET', '/api/stats/items'), api('GET', '/api/stats/unanswered')]);
	} catch (e) {
		report(e, $('stats-error'));
		return;
	}
	statsData = {
		items: Array.isArray(r.items) ? r.items : [],
		days: Array.isArray(r.days) ? r.days : [],
		questions: Array.isArray(u.questions) ? u.questions : [],
	};
	renderStats();
}

function renderStats() {
	if (!statsData)
		return;
	const period = $('stats-period').value;
	const from = periodStart(period);
	const days = statsData.days.filter((d) => d.date >= from)
		.sort((a, b) => String(b.date).localeCompare(String(a.date)));
	const tb = clear($('days-body'));
	let ans = 0;
	let sug = 0;
	let una = 0;
	for (const d of days) {
		const a = d.answered || 0;
		const s = d.suggested || 0;
		const n = d.unanswered || 0;
		ans += a;
		sug += s;
		una += n;
		const tot = a + s + n;
		const rate = tot ? Math.round((a / tot) * 1000) / 10 : null;
		tb.append(el('tr', {},
		    el('td', {}, d.date),
		    el('td', { class: 'num' }, String(a)),
		    el('td', { class: 'num' }, String(s)),
		    el('td', { class: 'num' }, String(n)),
		    el('td', { class: 'rate' },
			el('meter', { min: 0, max: 100, low: 60, high: 85, optimum: 100, value: rate ?? 0 }),
			rate === null ? ' —' : ` ${rate}%`)));
	}
	if (days.length === 0)
		tb.append(el('tr', {}, el('td', { colspan: 5, class: 'muted' }, '这段时间没有数据。')));
	const tot = ans + sug + una;
	$('stats-summary').textContent = tot ?
	    `${PERIOD_TEXT[period]}共 ${tot} 次提问：答上 ${ans} 次，给出建议 ${sug} 次，未答上 ${una} 次，回答率 ${Math.round((ans / tot) * 1000) / 10}%。` :
	    `${PERIOD_TEXT[period]}还没有居民提问的记录。`;

	const by = $('trend-by').value;
	const points = trendOf(days, by);
	clear($('trend-chart')).append(points.length ? trendChart(points, by) :
	    el('p', { class: 'muted' }, '这段时间没有数据。'));

	// Open questions asked in the period, most asked first.
	const fromT = from ? new Date(`${from}T00:00:00`).getTime() / 1000 : 0;
	const top = statsData.questions
		.filter((q) => (q.state || 'open') === 'open' && !q.answered_by && (q.last_seen || 0) >= fromT)
		.sort((a, b) => (b.count || 0) - (a.count || 0)).slice(0, 10)
		.map((q) => ({ label: q.text, value: q.count || 0 }));
	clear($('top-unanswered')).append(top.length ? barChart(top) :
	    el('p', { class: 'muted' }, '这段时间没有待处理的问题。'));

	const hits = clear($('hits-body'));
	const is = statsData.items.slice().sort((a, b) => (b.hits || 0) - (a.hits || 0));
	const max = is.reduce((m, x) => Math.max(m, x.hits || 0), 0) || 1;
	// The items asked about; the others in one line.
	const never = is.filter((it) => !it.hits).length;
	for (const it of is.filter((x) => x.hits)) {
		hits.append(el('tr', {},
		    el('td', {}, el('button', {
			    type: 'button', class: 'link',
			    onclick: () => openItem(it.id).catch((e) => report(e)),
		    }, it.title || it.id)),
		    el('td', { class: 'num' }, String(it.hits || 0)),
		    el('td', {}, el('meter', { min: 0, max, value: it.hits || 0 }))));
	}
	if (never > 0)
		hits.append(el('tr', {}, el('td', { colspan: 3, class: 'muted' },
		    never === is.length ? '还没有条目被问到。' : `其余 ${never} 个条目还没有被问到。`)));
}

$('stats-refresh').addEventListener('click', () => {
	loadStats().catch((e) => report(e));
});
$('stats-period').addEventListener('change', renderStats);
$('trend-by').addEventListener('change', renderStats);

$('export-form').addEventListener('submit', async (ev) => {
	ev.preventDefault();
	const month = $('export-month').value;
	setMsg($('stats-error'), '');
	if (!/^\d{4}-\d{2}$/.test(month)) {
		setMsg($('stats-error'), '请选择月份。');
		return;
	}
	$('export-btn').disabled = true;
	try {
		const res = await api('GET',
		    `/api/stats/export?month=${encodeURIComponent(month)}`, { raw: true });
		const blob = await res.blob();
		const url = URL.createObjectURL(blob);
		const a = el('a', { href: url, download: `wxkb-${month}.csv`, hidden: true });
		document.body.append(a);
		a.click();
		a.remove();
		setTimeout(() => URL.revokeObjectURL(url), 60000);
		flash(`已下载 ${month} 的报表。`);
	} catch (e) {
		report(e, $('stats-error'));
	} finally {
		$('export-btn').disabled = false;
	}
});

// ---------------------------------------------------------------- history

async function loadHistory() {
	setMsg($('history-error'), '');
	const tb = clear($('history-body'));
	let r;
	try {
		r = await api('GET', '/api/kb/history');
	} catch (e) {
		report(e, $('history-error'));
		return;
	}
	const vs = Array.isArray(r.versions) ? r.versions : [];
	if (r.revision !== undefined)
		state.kbRevision = r.revision;
	show($('history-empty'), vs.length === 0);
	for (const v of vs) {
		const how = v.action === 'file' && !v.saved ? '最初的知识库文件' :
		    (ACTION_TEXT[v.action] || '其他修改');
		tb.append(el('tr', { dataset: { revision: v.revision, item: v.item || '', action: v.action || '' } },
		    el('td', {}, v.saved ? fmtTime(v.saved) : '—'),
		    el('td', { class: 'hist-by' }, byText(v.by)),
		    el('td', {}, how),
		    el('td', {}, v.item ? (v.title || '（无标题）') : ''),
		    el('td', {}, v.item ? el('button', {
			    type: 'button', class: 'small item-history',
			    onclick: () => itemHistory(v.item).catch((e) => report(e)),
		    }, '查看') : '')));
	}
}

// ------------------------------------------------ one item's history

// Who made a version: a staff name; the bearer token is "token".
function byText(by) {
	if (!by)
		return '—';
	return by === 'token' ? '管理口令' : by;
}

const ITEM_ACTION_TEXT = {
	create: '新建', update: '修改', delete: '删除', restore: '恢复',
	file: '知识库文件里的样子', settings: '修改',
};

// A character diff of two short texts as <del>/<ins>; null when they are
// too long for it (then both are shown whole).
function textDiff(a, b) {
	const x = [...a];
	const y = [...b];
	if (x.length * y.length > 1000000)
		return null;
	const n = x.length;
	const m = y.length;
	const w = m + 1;
	const L = new Uint16Array((n + 1) * w);
	for (let i = n - 1; i >= 0; i--)
		for (let j = m - 1; j >= 0; j--)
			L[i * w + j] = x[i] === y[j] ? L[(i + 1) * w + j + 1] + 1 :
			    Math.max(L[(i + 1) * w + j], L[i * w + j + 1]);
	const out = [];
	const put = (tag, c) => {
		const last = out[out.length - 1];
		if (last && last.tag === tag)
			last.text += c;
		else
			out.push({ tag, text: c });
	};
	let i = 0;
	let j = 0;
	while (i < n && j < m) {
		if (x[i] === y[j]) {
			put('', x[i]);
			i++;
			j++;
		} else if (L[(i + 1) * w + j] >= L[i * w + j + 1]) {
			put('del', x[i++]);
		} else {
			put('ins', y[j++]);
		}
	}
	while (i < n)
		put('del', x[i++]);
	while (j < m)
		put('ins', y[j++]);
	return el('div', { class: 'textdiff' }, out.map((p) =>
	    (p.tag ? el(p.tag, {}, p.text) : p.text)));
}

// What changed from the older version a to the newer b, in words.
function itemChanges(a, b) {
	const out = [];
	const kw = (x) => (Array.isArray(x.keywords) ? x.keywords : []);
	const added = kw(b).filter((k) => !kw(a).includes(k));
	const removed = kw(a).filter((k) => !kw(b).includes(k));
	if ((a.title || '') !== (b.title || ''))
		out.push(el('li', {}, `标题：“${a.title || ''}”改为“${b.title || ''}”`));
	if (added.length)
		out.push(el('li', { class: 'kw-added' }, `新增关键词：${added.join('、')}`));
	if (removed.length)
		out.push(el('li', { class: 'kw-removed' }, `去掉关键词：${removed.join('、')}`));
	const ra = replySummary(a.reply);
	const rb = replySummary(b.reply);
	if (ra !== rb) {
		const d = textDiff(ra, rb);
		out.push(el('li', { class: 'reply-changed' }, '回复内容改了（红色是删去的，绿色是加上的）：',
		    d || el('div', { class: 'textdiff' }, el('del', {}, ra), '\n', el('ins', {}, rb))));
	}
	for (const [k, label, fmt] of FIELDS) {
		if (['title', 'keywords', 'reply'].includes(k))
			continue;
		const x = fmt(a[k]);
		const y = fmt(b[k]);
		if (x !== y)
			out.push(el('li', {}, `${label}：${x || '（空）'} → ${y || '（空）'}`));
	}
	if (out.length === 0)
		out.push(el('li', { class: 'muted' }, '内容没有变化'));
	return out;
}

let ihistId = null;

// Show the history of item id; refresh: only if the dialog is still open.
async function itemHistory(id, refresh = false) {
	const d = $('ihist');
	if (refresh && (!d.open || ihistId !== id))
		return;
	ihistId = id;
	setMsg($('ihist-error'), '');
	const ol = clear($('ihist-list'));
	let r;
	try {
		r = await api('GET', `/api/kb/items/${encodeURIComponent(id)}/history`);
	} catch (e) {
		report(e, $('ihist-error'));
		if (!d.open)
			d.showModal();
		return;
	}
	$('ihist-title').textContent = `“${r.title || '（无标题）'}”的修改历史`;
	const vs = Array.isArray(r.versions) ? r.versions : [];
	const cur = vs.find((v) => v.current);
	// If-Match of a restore: the item's revision, or the base's when
	// it is deleted now.
	const match = cur && cur.item ? cur.item.revision : r.revision;
	const savedOf = (rev) => {
		const v = vs.find((x) => x.revision === rev);
		return v && v.saved ? fmtTime(v.saved) : '';
	};
	vs.forEach((v, i) => {
		const older = vs.slice(i + 1).find((x) => x.item);
		let what;
		if (!v.item)
			what = [el('li', {}, '删除了这个条目')];
		else if (!older)
			what = [el('li', { class: 'muted' }, vs[i + 1] ? '重新建立了这个条目' : '最早留下的样子')];
		else
			what = itemChanges(older.item, v.item);
		let act = ITEM_ACTION_TEXT[v.action] || '修改';
		if (v.action === 'restore' && v.restored && savedOf(v.restored))
			act = `恢复成 ${savedOf(v.restored)} 的样子`;
		ol.append(el('li', { class: v.current ? 'current' : null, dataset: { revision: v.revision } },
		    el('div', { class: 'ihist-head' },
			el('strong', {}, `${v.saved ? fmtTime(v.saved) : '时间不详'} · ${v.by ? `${byText(v.by)} · ` : ''}${act}`),
			v.current ? el('span', { class: 'badge' }, v.item ? '现在使用的' : '现在已删除') :
			    (v.item ? el('button', {
				    type: 'button', class: 'small restore-item',
				    onclick: () => restoreItem(r, v, match).catch((e) => report(e, $('ihist-error'))),
			    }, '恢复成这个样子') : null)),
		    el('ul', { class: 'ihist-changes' }, what)));
	});
	if (!d.open)
		d.showModal();
}

async function restoreItem(h, v, match) {
	const when = v.saved ? fmtTime(v.saved) : '这个版本';
	if (!await confirmBox(`把“${v.item.title || h.title}”恢复成 ${when} 的样子吗？其他条目不受影响；现在的内容仍留在历史里，可以再恢复回来。`, '恢复'))
		return;
	setMsg($('ihist-error'), '');
	try {
		const r = await api('POST', `/api/kb/items/${encodeURIComponent(h.id)}/restore`,
		    { body: { revision: v.revision }, ifMatch: match });
		if (r && r.revision !== undefined)
			state.kbRevision = r.revision;
		flash(`已恢复“${v.item.title || h.title}”（${when} 的样子）。`);
		await loadItems();
		refreshKbInfo();
		if (state.base && state.base.id === h.id && !isDirty() && r && r.item)
			fillEditor(r.item, false);
		await itemHistory(h.id, true);
		if (!$('tab-history').hidden)
			await loadHistory();
	} catch (e) {
		if (e instanceof ApiError && e.status === 412) {
			setMsg($('ihist-error'), '没有恢复：刚才有人修改了这个条目。下面已是最新的历史，请再看一下。');
			await itemHistory(h.id, true);
		} else if (e instanceof ApiError && e.status === 422) {
			const ds = (e.body && Array.isArray(e.body.details) ? e.body.details : [])
				.map((x) => zhDetail(x) || '有一项不符合要求');
			setMsg($('ihist-error'), `没有恢复：那时的内容和现在的其他条目冲突。${ds.join(' ')}`);
		} else {
			throw e;
		}
	}
}

$('ihist-close').addEventListener('click', () => $('ihist').close());
$('item-history-btn').addEventListener('click', () => {
	if (state.base)
		itemHistory(state.base.id).catch((e) => report(e));
});

$('history-refresh').addEventListener('click', () => {
	loadHistory().catch((e) => report(e));
});

// ---------------------------------------------------------------- welcome, fallback

const SETTINGS = [
	['welcome', 's-welcome', '（关注了公众号）'],
	['fallback', 's-fallback', '居民发来的一句话'],
];
// As the server last gave them: {revision, welcome, fallback}.
let settingsBase = null;

// The settings as the form holds them: only text replies are edited
// here, the others are sent back as they were.
function readSettings() {
	const out = {};
	for (const [k, id] of SETTINGS) {
		const b = settingsBase ? settingsBase[k] : null;
		out[k] = textReply(b) || !b ? { type: 'text', content: $(id).value } : clone(b);
	}
	return out;
}

function settingsDirty() {
	return settingsBase !== null && !$('tab-settings').hidden &&
	    JSON.stringify(readSettings()) !== settingsBase.snapshot;
}

function renderSettingsPreview() {
	const cur = readSettings();
	for (const [k, id, q] of SETTINGS)
		clear($(`${id}-preview`)).append(chat(q, cur[k]));
}

function fillSettings(info) {
	settingsBase = { revision: info.revision, welcome: info.welcome, fallback: info.fallback };
	for (const [k, id] of SETTINGS) {
		const r = info[k];
		const editable = textReply(r) || !r;
		show($(id), editable);
		show($(`${id}-readonly`), !editable);
		$(id).value = editable && r && typeof r.content === 'string' ? r.content : '';
		if (!editable)
			$(`${id}-readonly`).querySelector('pre').textContent =
			    `这是“${REPLY_TYPE_TEXT[r.type] || r.type}”类型的回复，只能在知识库文件里修改：\n${replySummary(r)}`;
	}
	settingsBase.snapshot = JSON.stringify(readSettings());
	renderSettingsPreview();
}

async function loadSettings() {
	if (settingsDirty())
		return;		// keep the edit in progress
	setMsg($('settings-error'), '');
	$('settings-status').textContent = '';
	try {
		fillSettings(await api('GET', '/api/kb'));
	} catch (e) {
		report(e, $('settings-error'));
	}
}

for (const [, id] of SETTINGS)
	$(id).addEventListener('input', renderSettingsPreview);

$('settings-form').addEventListener('submit', async (ev) => {
	ev.preventDefault();
	setMsg($('settings-error'), '');
	// Only what was changed here: another person's change to the
	// other one stays.
	const form = readSettings();
	const was = JSON.parse(settingsBase.snapshot);
	const body = {};
	for (const [k] of SETTINGS) {
		if (JSON.stringify(form[k]) === JSON.stringify(was[k]))
			continue;
		if (form[k].type === 'text' && form[k].content.trim() === '') {
			setMsg($('settings-error'), `${FIELD_TEXT[k]}不能为空。`);
			return;
		}
		body[k] = form[k];
	}
	if (Object.keys(body).length === 0) {
		$('settings-status').className = 'status';
		$('settings-status').textContent = '没有修改。';
		return;
	}
	$('settings-save').disabled = true;
	try {
		const r = await api('PUT', '/api/kb', { body, ifMatch: settingsBase.revision });
		if (r && r.revision !== undefined)
			state.kbRevision = r.revision;
		fillSettings(await api('GET', '/api/kb'));
		$('settings-status').className = 'status ok';
		$('settings-status').textContent = '已保存，居民现在就会收到新的内容。';
		flash('已保存欢迎语和兜底回复。');
		refreshKbInfo();
	} catch (e) {
		if (e instanceof ApiError && e.status === 412 && e.body && e.body.current) {
			// Keep ours in the form; the next save overwrites theirs.
			const cur = e.body.current;
			settingsBase.revision = cur.revision;
			setMsg($('settings-error'), `你打开之后，别人保存了新的内容。你的修改还在，没有保存。对方保存的欢迎语是：“${replySummary(cur.welcome)}”，兜底回复是：“${replySummary(cur.fallback)}”。再点“保存”会用你改过的内容覆盖对方的（你没改的那一项保留对方的）。`);
		} else {
			report(e, $('settings-error'));
		}
	} finally {
		$('settings-save').disabled = false;
	}
});

$('settings-revert').addEventListener('click', async () => {
	if (!settingsDirty() || !await confirmBox('放弃对欢迎语和兜底回复的修改吗？', '放弃修改'))
		return;
	settingsBase = null;
	await loadSettings();
});

// ---------------------------------------------------------------- push, menu

// The cover picked, ready to send: {name, base64, bytes} or null.
let cover = null;

const COVER_MAX = 2 * 1024 * 1024;
// What WeChat takes as a cover, told by the file's first bytes.
const COVER_TYPES = [
	{ ext: 'jpg', magic: [0xFF, 0xD8, 0xFF] },
	{ ext: 'png', magic: [0x89, 0x50, 0x4E, 0x47] },
	{ ext: 'gif', magic: [0x47, 0x49, 0x46, 0x38] },
	{ ext: 'bmp', magic: [0x42, 0x4D] },
];
const WXNAME_RE = /^[A-Za-z][-_A-Za-z0-9]{5,19}$/;

function chars(s) {
	return [...s].length;
}

function base64Of(bytes) {
	let bin = '';
	for (let i = 0; i < bytes.length; i += 0x8000)
		bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
	return btoa(bin);
}

async function pickCover() {
	const input = $('p-cover');
	const f = input.files && input.files[0];
	cover = null;
	setMsg($('p-cover-error'), '');
	show($('p-cover-box'), false);
	if (!f)
		return;
	const fail = (why) => {
		setMsg($('p-cover-error'), why);
		input.value = '';
	};
	if (f.size === 0)
		return fail('这个文件是空的，请换一张图片。');
	if (f.size > COVER_MAX)
		return fail(`图片有 ${(f.size / 1048576).toFixed(1)} MB，封面不能超过 2 MB。请先缩小图片再选。`);
	const bytes = new Uint8Array(await f.arrayBuffer());
	const t = COVER_TYPES.find((x) => x.magic.every((b, i) => bytes[i] === b));
	if (!t)
		return fail('这个文件不是 JPG、PNG、GIF 或 BMP 图片，微信不接受它作封面。');
	const b64 = base64Of(bytes);
	cover = { name: `cover.${t.ext}`, base64: b64, bytes: f.size };
	const img = $('p-cover-img');
	img.onload = () => {
		$('p-cover-info').textContent = `${f.name} · ${img.naturalWidth}×${img.naturalHeight} · ${Math.ceil(f.size / 1024)} KB`;
	};
	img.src = `data:image/${t.ext === 'jpg' ? 'jpeg' : t.ext};base64,${b64}`;
	$('p-cover-info').textContent = `${f.name} · ${Math.ceil(f.size / 1024)} KB`;
	show($('p-cover-box'));
}

$('p-cover').addEventListener('change', () => pickCover().catch((e) => report(e, $('p-cover-error'))));

function article() {
	const a = {
		title: $('p-title').value.trim(),
		author: $('p-author').value.trim(),
		digest: $('p-digest').value.trim(),
		content: $('p-content').value,
		content_source_url: $('p-source').value.trim(),
	};
	for (const k of Object.keys(a)) {
		if (a[k] === '')
			delete a[k];
	}
	if (cover) {
		a.thumb_name = cover.name;
		a.thumb_base64 = cover.base64;
	}
	return a;
}

// What the page can tell before sending (WeChat's limits, protocol §7.6).
function checkArticle(a, kind) {
	const p = [];
	if (!a.title)
		p.push('请填写标题。');
	else if (chars(a.title) > 32)
		p.push(`标题有 ${chars(a.title)} 个字，最多 32 个。`);
	if (a.author && chars(a.author) > 16)
		p.push('作者最多 16 个字。');
	if (a.digest && chars(a.digest) > 128)
		p.push('摘要最多 128 个字。');
	if (!a.content || a.content.trim() === '')
		p.push('请填写正文。');
	if (a.content_source_url && !/^https?:\/\/\S+$/i.test(a.content_source_url))
		p.push('原文链接要以 http:// 或 https:// 开头。');
	if (!a.thumb_base64)
		p.push('请选择封面图片。');
	if (kind === 'preview') {
		const to = $('p-preview-to').value.trim();
		if (to === '')
			p.push('请填写预览发给谁（微信号或 OpenID）。');
		else if ($('p-preview-kind').value === 'wxname' && !WXNAME_RE.test(to))
			p.push('微信号是 6 到 20 个字母、数字、“-”或“_”，以字母开头（在微信“我”页面可以看到）。');
	}
	return p;
}

const PUSH_STEPS = [
	['thumb', '上传封面图片'], ['draft', '保存草稿'], ['publish', '发布'],
	['preview', '发送预览'], ['mass_send', '群发'],
];
const STEP_STATE = {
	done: '✓ 完成', skipped: '✓ 之前已完成', failed: '✗ 失败',
	running: '进行中…', waiting: '等待',
};

// Messages of POST /api/push the page can get before any step ran.
function pushRefusal(e) {
	if (!(e instanceof ApiError))
		return e.message;
	const said = e.body && typeof e.body.error === 'string' ? e.body.error : '';
	switch (e.status) {
	case 409:
		return '这篇文章正在推送，请等这一次完成后再看结果。';
	case 503:
		return '公众号接口没有开通：服务器没有配置 AppSecret。请联系系统管理员。';
	case 413:
		return '文章和封面加起来太大了，请缩小封面图片。';
	case 422: {
		const m = /^(title|author|digest|content|content_source_url|thumb|thumb_base64|thumb_name|preview|preview_wxname):/.exec(said);
		const what = {
			title: '标题', author: '作者', digest: '摘要', content: '正文',
			content_source_url: '原文链接', thumb: '封面图片', thumb_base64: '封面图片',
			thumb_name: '封面图片', preview: '预览接收人', preview_wxname: '预览接收人的微信号',
		};
		return m ? `${what[m[1]]}不符合微信的要求，没有推送。` : '文章不符合微信的要求，没有推送。';
	}
	default:
		return e.message;
	}
}

// The steps of a push as the server reports them.
function pushSteps(r) {
	const ol = el('ol', { class: 'push-steps', id: 'push-steps' });
	for (const [k, label] of PUSH_STEPS) {
		const st = r.steps ? r.steps[k] : undefined;
		if (!st || st === '-')
			continue;
		ol.append(el('li', { class: `step ${st}`, dataset: { step: k, state: st } },
		    el('span', { class: 'step-name' }, label),
		    el('span', { class: 'step-state' }, STEP_STATE[st] || st)));
	}
	return ol;
}

function renderPush(box, label, r, started) {
	const secs = Math.round((Date.now() - started) / 1000);
	const parts = [];
	if (r.state === 'running') {
		parts.push(el('p', {}, `正在${label}…（已用 ${secs} 秒，微信发布文章通常要几十秒，请不要关闭页面）`));
		box.className = 'result';
	} else if (r.state === 'done') {
		parts.push(el('p', {}, `${label}成功。`));
		box.className = 'result ok';
	} else {
		parts.push(el('p', {}, r.message_zh || `${label}没有成功。`));
		if (r.errcode)
			parts.push(el('p', { class: 'muted' }, `微信错误码 ${r.errcode}`));
		box.className = 'result err';
	}
	parts.push(pushSteps(r));
	if (typeof r.article_url === 'string' && /^https?:\/\//i.test(r.article_url))
		parts.push(el('p', {}, '文章链接：', el('a', {
			href: r.article_url, target: '_blank', rel: 'noopener noreferrer',
		}, r.article_url)));
	clear(box).append(...parts);
}

const sleep = (ms) => new Promise((ok) => setTimeout(ok, ms));

async function push(kind) {
	const box = $('push-result');
	const a = article();
	const problems = checkArticle(a, kind);
	if (problems.length) {
		clear(box).append(el('ul', { class: 'msg err' }, problems.map((x) => el('li', {}, x))));
		box.className = 'result err';
		show(box);
		return;
	}
	if (kind === 'mass' && !await confirmBox('群发会把这篇文章发给所有关注者，发出后无法撤回。已认证的订阅号每天只能群发 1 次。确定群发吗？', '群发'))
		return;
	if (kind === 'publish' && !await confirmBox('发布后文章会出现在公众号主页（不推送给关注者）。确定发布吗？', '发布'))
		return;
	const body = {
		article: a, publish: kind === 'publish' || kind === 'mass',
		mass_send: kind === 'mass', wait: false,
	};
	if (kind === 'preview') {
		const to = $('p-preview-to').value.trim();
		body[$('p-preview-kind').value === 'wxname' ? 'preview_wxname' : 'preview'] = to;
	}
	const label = { draft: '存为草稿', preview: '发送预览', publish: '发布', mass: '群发' }[kind];
	const buttons = document.querySelectorAll('#push-form .actions button');
	clear(box).append(el('p', {}, `正在${label}…`));
	box.className = 'result';
	show(box);
	for (const b of buttons)
		b.disabled = true;
	const started = Date.now();
	try {
		let r;
		try {
			r = await api('POST', '/api/push', { body, timeout: 60000 });
		} catch (e) {
			clear(box).append(el('p', {}, `${label}没有成功：${pushRefusal(e)}`));
			box.className = 'result err';
			return;
		}
		// Follow the steps until the server says the push ended.
		let lost = 0;
		while (r && r.state === 'running') {
			renderPush(box, label, r, started);
			await sleep(1000);
			try {
				r = await api('GET', `/api/push/${encodeURIComponent(r.key)}`);
				lost = 0;
			} catch (e) {
				if (!(e instanceof ApiError) || e.status !== 0 || ++lost >= 10) {
					clear(box).append(el('p', {}, `暂时看不到${label}的进度（${e.message}）。推送仍在服务器上进行；稍后再点一次同样的按钮即可看到结果，不会重复发送。`));
					box.className = 'result err';
					return;
				}
			}
		}
		renderPush(box, label, r || {}, started);
	} finally {
		for (const b of buttons)
			b.disabled = false;
	}
}

$('push-form').addEventListener('submit', (ev) => ev.preventDefault());
$('push-draft').addEventListener('click', () => push('draft').catch((e) => report(e)));
$('push-preview').addEventListener('click', () => push('preview').catch((e) => report(e)));
$('push-publish').addEventListener('click', () => push('publish').catch((e) => report(e)));
$('push-mass').addEventListener('click', () => push('mass').catch((e) => report(e)));

// The menu as a phone shows it: the top-level buttons in a bar, each
// group's sub-buttons above it.
function menuTree(menu) {
	const buttons = menu && Array.isArray(menu.button) ? menu.button : [];
	const byKey = new Map(state.items.filter((it) => it.menu_key).map((it) => [it.menu_key, it]));
	const label = (b) => {
		const it = b.key ? byKey.get(b.key) : null;
		return [el('span', { class: 'menu-name' }, b.name || ''),
		    it && it.title !== b.name ? el('span', { class: 'menu-item muted' }, it.title) : null];
	};
	return el('ul', { class: 'menu-tree' }, buttons.map((b) => el('li', { class: 'menu-top' },
	    label(b),
	    Array.isArray(b.sub_button) && b.sub_button.length ?
		el('ul', { class: 'menu-sub' }, b.sub_button.map((x) => el('li', {}, label(x)))) : null)));
}

function menuProblems(lines) {
	const ul = clear($('menu-problems'));
	for (const line of lines) {
		const m = /^item ([a-z0-9-]+):/.exec(line);
		ul.append(el('li', {}, zhDetail(line) || '菜单有一项不符合微信的要求。',
		    m ? el('button', {
			    type: 'button', class: 'link small',
			    onclick: () => openItem(m[1]).catch((e) => report(e)),
		    }, '去修改') : null));
	}
	show(ul, lines.length > 0);
}

async function loadMenuPreview() {
	const box = clear($('menu-preview'));
	let r;
	try {
		r = await api('GET', '/api/menu/preview');
	} catch (e) {
		box.append(el('p', { class: 'msg err' }, e.message));
		return;
	}
	const problems = Array.isArray(r.problems) ? r.problems : [];
	menuProblems(problems);
	if (r.menu)
		box.append(menuTree(r.menu));
	else
		box.append(el('p', { class: 'muted' }, '菜单有问题，改好之后才能同步：'));
	$('menu-sync').disabled = problems.length > 0;
}

$('menu-refresh').addEventListener('click', () => loadMenuPreview().catch((e) => report(e)));

$('menu-sync').addEventListener('click', async () => {
	const box = $('menu-result');
	if (!await confirmBox('用上面预览的菜单替换公众号现在的自定义菜单吗？', '同步'))
		return;
	clear(box).append(el('p', {}, '正在同步…'));
	box.className = 'result';
	show(box);
	try {
		await api('POST', '/api/menu/sync', { timeout: 60000 });
	} catch (e) {
		const said = e instanceof ApiError && e.body && typeof e.body.error === 'string' ?
		    e.body.error.split('\n') : [];
		clear(box).append(el('p', {}, `菜单没有同步：${e.status === 422 ? '菜单不符合微信的要求。' : e.message}`));
		if (said.length && e.status === 422)
			box.append(el('ul', {}, said.map((x) => el('li', {}, zhDetail(x) || '有一项不符合要求'))));
		box.className = 'result err';
		return;
	}
	// The result: the menu as WeChat now has it.
	let live = null;
	try {
		live = await api('GET', '/api/menu', { timeout: 30000 });
	} catch (e) {
		live = null;
	}
	clear(box).append(el('p', { class: 'ok' }, '菜单已同步。关注者重新进入公众号后可以看到新菜单。'));
	if (live && live.menu)
		box.append(el('p', { class: 'muted' }, '公众号现在的菜单：'), menuTree(live.menu));
	box.className = 'result ok';
});

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
