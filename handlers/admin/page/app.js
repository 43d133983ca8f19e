// The admin page of wxkbd: office staff find, edit and test the answers of
// the knowledge base, see what went unanswered, push articles.
//
// It talks only to the JSON API of docs/admin-api.md on the same origin.
// Rules kept throughout, because the server sends a strict CSP and the
// data comes from people: no inline script or style, no innerHTML with
// data (DOM building and textContent only), no eval.  Every error is shown
// in the page.
//
// The page is split by screen into classic scripts that index.html loads
// in order with defer: app.js (helpers, the API, messages, sign in, the
// tabs), then items.js, items_save.js, query.js, unanswered.js, stats.js,
// history.js, settings.js, push.js, and start.js last.  They share the
// page's one global scope, so a name is declared once, in the script of
// its screen or here; each runs in strict mode.
'use strict';

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

// Loads of one view may overlap (a filter changed while the last one is
// on its way): ticket('name') before the request, and after it fill the
// view only while the ticket is still current, or an older answer would
// overwrite a newer one or add its rows twice.
const ticketSeq = {};
function ticket(name) {
	const n = (ticketSeq[name] || 0) + 1;
	ticketSeq[name] = n;
	return () => ticketSeq[name] === n;
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
		// Another instance saved first (409, "conflict": "cluster"):
		// to staff it is the 412 of a stale page, and handled alike.
		const status = res.status === 409 && data && data.conflict === 'cluster' ?
		    412 : res.status;
		const base = STATUS_TEXT[status] ?? `请求失败（HTTP ${res.status}）`;
		const said = data && typeof data.message_zh === 'string' ? data.message_zh :
		    data && typeof data.error === 'string' ? zhDetail(data.error) : null;
		const err = new ApiError(status, data,
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
	if (!load)
		return;
	// The pane is aria-busy while its content is fetched: screen readers
	// wait for it, and so can a test.  Loads may overlap; the last one
	// to finish clears it.
	const pane = $(`tab-${name}`);
	pane.dataset.loads = String((Number(pane.dataset.loads) || 0) + 1);
	pane.setAttribute('aria-busy', 'true');
	load().catch((e) => report(e)).finally(() => {
		const left = Number(pane.dataset.loads) - 1;
		pane.dataset.loads = String(left);
		if (left === 0)
			pane.removeAttribute('aria-busy');
	});
}

$('tabs').addEventListener('click', (ev) => {
	const b = ev.target.closest('.tab');
	if (b)
		showTab(b.dataset.tab);
});
