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
	401: '管理口令不正确',
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
	restore: '恢复旧版本', settings: '修改欢迎语、兜底回复或同义词',
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
	return `${it.title || '（无标题）'}（${it.id}）`;
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
	token: '',
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
	const headers = { Authorization: `Bearer ${opts.token ?? state.token}` };
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
			credentials: 'omit', signal: ctl.signal,
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
		const base = STATUS_TEXT[res.status] ?? `请求失败（HTTP ${res.status}）`;
		const said = data && typeof data.error === 'string' ? data.error : '';
		const err = new ApiError(res.status, data,
		    said ? `${base}：${said}` : `${base}。`);
		if (res.status === 401 && !opts.signIn)
			lockOut('登录已失效或口令已更改，请重新输入管理口令。没有保存的修改仍在，登录后再点“保存”。');
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

async function signIn(token, quiet) {
	const info = await api('GET', '/api/kb', { token, signIn: true });
	state.token = token;
	try {
		sessionStorage.setItem(TOKEN_KEY, token);
	} catch (e) {
		// Private mode without storage: stay signed in for this page.
	}
	showKbInfo(info);
	showSynonyms(info.synonyms);
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
	if (info.revision !== undefined)
		parts.push(`版本 ${info.revision}`);
	if (typeof info.items === 'number')
		parts.push(`${info.items} 个条目`);
	$('kb-info').textContent = parts.join(' · ');
}

// Ask for the token again but keep the page as it is, so an edit in
// progress survives a changed token or a restarted server.
function lockOut(why) {
	state.token = '';
	try {
		sessionStorage.removeItem(TOKEN_KEY);
	} catch (e) {
		// nothing kept
	}
	show($('app'), false);
	show($('login'));
	$('login-token').value = '';
	setMsg($('login-error'), why);
	$('login-token').focus();
}

function signOut(why) {
	state.token = '';
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
	setMsg($('login-error'), why || '');
	$('login-token').focus();
}

$('login-form').addEventListener('submit', async (ev) => {
	ev.preventDefault();
	const token = $('login-token').value.trim();
	setMsg($('login-error'), '');
	if (token === '') {
		setMsg($('login-error'), '请输入管理口令。');
		return;
	}
	$('login-submit').disabled = true;
	try {
		await signIn(token, false);
	} catch (e) {
		if (e instanceof ApiError && e.status === 401)
			setMsg($('login-error'), '管理口令不正确，请检查后重试。');
		else
			report(e, $('login-error'));
	} finally {
		$('login-submit').disabled = false;
	}
});

$('logout').addEventListener('click', async () => {
	if (isDirty() && !await confirmBox('有尚未保存的修改，退出后会丢失。确定退出吗？', '退出'))
		return;
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
		    el('code', {}, it.id), ' · ',
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
};

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
	if (isDirty()) {
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
	$('editor-rev').textContent = isNew ? '' :
	    [item.revision !== undefined ? `版本 ${item.revision}` : '',
		item.updated ? `更新于 ${item.updated}` : ''].filter(Boolean).join(' · ');
	F.id.value = item.id || '';
	F.id.readOnly = !isNew;
	$('f-id-hint').textContent = isNew ? '只能用小写字母、数字和“-”，创建后不能修改。' :
	    '编号创建后不能修改。';
	F.title.value = item.title || '';
	state.keywords = Array.isArray(item.keywords) ? item.keywords.slice() : [];
	F.match.value = item.match === 'exact' ? 'exact' : 'contains';
	F.priority.value = Number.isInteger(item.priority) ? String(item.priority) : '0';
	const editable = textReply(item.reply) && !item.reply_mode;
	show(F.reply, editable);
	show($('reply-readonly'), !editable);
	if (editable) {
		F.reply.value = item.reply && typeof item.reply.content === 'string' ?
		    item.reply.content : '';
	} else {
		F.reply.value = '';
		$('reply-readonly-note').textContent = readonlyNote(item);
		$('reply-readonly-text').textContent = replySummary(item.reply);
	}
	F.menuKey.value = item.menu_key || '';
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
		return `这个条目有 ${item.reply.length} 条回复（${how}），只能在知识库文件里修改；这里只显示内容。`;
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
		default:
			return `[${REPLY_TYPE_TEXT[r.type] || r.type}] ${r.title || r.media_id || ''}`;
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
	(prefill.title ? F.id : F.title).focus();
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
	it.title = F.title.value.trim();
	it.keywords = state.keywords.slice();
	it.match = F.match.value;
	const p = Number(F.priority.value);
	it.priority = Number.isInteger(p) ? p : F.priority.value;
	if (!F.reply.hidden)
		it.reply = { type: 'text', content: F.reply.value };
	const opt = [['menu_key', F.menuKey], ['source', F.source],
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
	if (!ID_RE.test(it.id))
		p.push('编号：只能用 1 到 64 个小写字母、数字和“-”。');
	if (it.title === '')
		p.push('标题：不能为空。');
	if (it.keywords.length === 0)
		p.push('关键词：至少要有一个。');
	if (it.keywords.length > KW_MAX)
		p.push(`关键词：最多 ${KW_MAX} 个。`);
	if (!Number.isInteger(it.priority))
		p.push('优先级：必须是整数。');
	if (textReply(it.reply) && !it.reply_mode &&
	    String(it.reply.content || '').trim() === '')
		p.push('回复内容：不能为空。');
	if (it.source_url && !/^https?:\/\/\S+$/i.test(it.source_url))
		p.push('来源链接：要以 http:// 或 https:// 开头。');
	return p;
}

const FIELD_TEXT = {
	id: '编号', title: '标题', keywords: '关键词', match: '匹配方式',
	priority: '优先级', reply: '回复内容', menu_key: '菜单键',
	source: '信息来源', source_url: '来源链接', valid_until: '有效期至',
	updated: '更新日期',
};

// The server words its details as `wxkbctl check` does, naming the
// field: put the field's name on the page in front.
function detailLine(d) {
	const m = /(?:^|:\s)(id|title|keywords|match|priority|reply|menu_key|source_url|source|valid_until|updated)(?:\[\d+\])?:/.exec(String(d));
	return m ? [el('strong', {}, `${FIELD_TEXT[m[1]]}：`), String(d)] : [String(d)];
}

function showErrors(text, details) {
	$('editor-errors-text').textContent = text;
	const ul = clear($('editor-errors-list'));
	for (const d of details || [])
		ul.append(el('li', {}, detailLine(d)));
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
		    `[${REPLY_TYPE_TEXT[reply.type] || reply.type}] `,
		    reply.title || reply.description || '')];
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
}

for (const input of [F.reply])
	input.addEventListener('input', renderPreview);

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
		$('save-status').textContent = `已保存（版本 ${saved.revision ?? state.kbRevision}），居民现在就能收到新的回答。`;
		$('save-status').className = 'status ok';
		if (r && Array.isArray(r.warnings) && r.warnings.length)
			flash(`已保存“${saved.title}”，但请留意：${r.warnings.join('；')}`, 'warn');
		else
			flash(`已保存“${saved.title}”。`);
	} catch (e) {
		$('save-status').textContent = '';
		if (e instanceof ApiError && e.status === 412) {
			showConflict(it, e.body ? e.body.current : undefined);
		} else if (e instanceof ApiError && e.status === 422) {
			showErrors(e.message, e.body && e.body.details);
		} else if (e instanceof ApiError && e.status === 409) {
			showErrors(`${e.message} 请换一个编号。`, e.body && e.body.details);
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
	if (!await confirmBox(`确定删除条目“${it.title}”（${it.id}）吗？删除后居民将不再收到这个回答。需要时可以在“历史”里恢复。`, '删除'))
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
		$('conflict-theirs-head').textContent = `当前版本（版本 ${current.revision ?? '?'}，已保存）`;
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
		if (r.normalized)
			facts.push(`规范化后：${r.normalized}`);
		if (facts.length)
			box.append(el('p', { class: 'muted query-facts' }, facts.join(' · ')));
	} else if (r.normalized) {
		box.append(el('p', { class: 'muted query-facts' }, `规范化后：${r.normalized}`));
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
	const qs = (Array.isArray(r.questions) ? r.questions : [])
		.slice().sort((a, b) => (b.count || 0) - (a.count || 0));
	show($('unanswered-empty'), qs.length === 0);
	for (const q of qs) {
		tb.append(el('tr', { dataset: { q: q.text } },
		    el('td', { class: 'q' }, q.text),
		    el('td', { class: 'num' }, String(q.count ?? '')),
		    el('td', { class: 'muted' }, fmtTime(q.last_seen)),
		    el('td', { class: 'row-actions' },
			el('button', {
				type: 'button', class: 'small add-existing',
				onclick: () => pickItemFor(q.text),
			}, '加入已有条目'),
			el('button', {
				type: 'button', class: 'small primary new-from',
				onclick: () => newFromQuestion(q.text),
			}, '新建条目'))));
	}
}

$('unanswered-refresh').addEventListener('click', () => {
	loadUnanswered().catch((e) => report(e));
});

function newFromQuestion(text) {
	const kw = utf8len(text) > KW_MAX_BYTES ? [] : [text];
	newItem({ title: text, keywords: kw }).then((ok) => {
		if (ok && kw.length === 0)
			flash('这句话太长，不能直接作关键词：请在“关键词”里填几个短词。', 'err');
	}).catch((e) => report(e));
}

function pickItemFor(text) {
	const d = $('pick');
	$('pick-question').textContent = text;
	$('pick-filter').value = '';
	d.dataset.q = text;
	renderPick();
	d.showModal();
	$('pick-filter').focus();
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
		}, el('span', {}, it.title || it.id), el('code', {}, it.id))));
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
	const text = d.dataset.q || '';
	d.close();
	try {
		if (!await openItem(b.dataset.id))
			return;
		if (addKeywords(text)) {
			$('save-status').className = 'status';
			$('save-status').textContent = `已把“${text}”加为关键词，检查无误后点“保存”。`;
		}
	} catch (e) {
		report(e);
	}
});

// ---------------------------------------------------------------- stats

async function loadStats() {
	setMsg($('stats-error'), '');
	const days = clear($('days-body'));
	const hits = clear($('hits-body'));
	$('stats-summary').textContent = '';
	let r;
	try {
		r = await api('GET', '/api/stats/items');
	} catch (e) {
		report(e, $('stats-error'));
		return;
	}
	let ans = 0;
	let sug = 0;
	let una = 0;
	const ds = (Array.isArray(r.days) ? r.days : []).slice()
		.sort((a, b) => String(b.date).localeCompare(String(a.date)));
	for (const d of ds) {
		const a = d.answered || 0;
		const s = d.suggested || 0;
		const u = d.unanswered || 0;
		ans += a;
		sug += s;
		una += u;
		const tot = a + s + u;
		const rate = tot ? Math.round((a / tot) * 1000) / 10 : null;
		days.append(el('tr', {},
		    el('td', {}, d.date),
		    el('td', { class: 'num' }, String(a)),
		    el('td', { class: 'num' }, String(s)),
		    el('td', { class: 'num' }, String(u)),
		    el('td', { class: 'rate' },
			el('meter', { min: 0, max: 100, low: 60, high: 85, optimum: 100, value: rate ?? 0 }),
			rate === null ? ' —' : ` ${rate}%`)));
	}
	if (ds.length === 0)
		days.append(el('tr', {}, el('td', { colspan: 5, class: 'muted' }, '还没有数据。')));
	const tot = ans + sug + una;
	$('stats-summary').textContent = tot ?
	    `共 ${tot} 次提问：答上 ${ans} 次，给出建议 ${sug} 次，未答上 ${una} 次，回答率 ${Math.round((ans / tot) * 1000) / 10}%。` :
	    '还没有居民提问的记录。';

	const is = (Array.isArray(r.items) ? r.items : []).slice()
		.sort((a, b) => (b.hits || 0) - (a.hits || 0));
	const max = is.reduce((m, x) => Math.max(m, x.hits || 0), 0) || 1;
	for (const it of is) {
		hits.append(el('tr', {},
		    el('td', {}, el('button', {
			    type: 'button', class: 'link',
			    onclick: () => openItem(it.id).catch((e) => report(e)),
		    }, it.title || it.id)),
		    el('td', { class: 'num' }, String(it.hits || 0)),
		    el('td', {}, el('meter', { min: 0, max, value: it.hits || 0 }))));
	}
	if (is.length === 0)
		hits.append(el('tr', {}, el('td', { colspan: 3, class: 'muted' }, '还没有数据。')));
}

$('stats-refresh').addEventListener('click', () => {
	loadStats().catch((e) => report(e));
});

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
	$('history-current').textContent = r.revision !== undefined ?
	    `现在使用的是版本 ${r.revision}。` : '';
	show($('history-empty'), vs.length === 0);
	for (const v of vs) {
		const how = (ACTION_TEXT[v.action] || v.action || '') +
		    (v.restored ? `（版本 ${v.restored}）` : '');
		tb.append(el('tr', { dataset: { revision: v.revision } },
		    el('td', { class: 'num' }, String(v.revision)),
		    el('td', {}, fmtTime(v.saved)),
		    el('td', {}, how),
		    el('td', {}, v.item ? el('code', {}, v.item) : ''),
		    el('td', {}, el('button', {
			    type: 'button', class: 'small restore',
			    onclick: () => restore(v).catch((e) => report(e)),
		    }, '恢复到此版本'))));
	}
}

async function restore(v) {
	if (!await confirmBox(`把知识库恢复到版本 ${v.revision}（${fmtTime(v.saved)}）吗？之后的修改会被撤销，但仍留在历史里，可以再恢复回来。`, '恢复'))
		return;
	setMsg($('history-error'), '');
	try {
		const r = await api('POST',
		    `/api/kb/history/${encodeURIComponent(v.revision)}/restore`,
		    { ifMatch: state.kbRevision });
		if (r && r.revision !== undefined)
			state.kbRevision = r.revision;
		flash(`已恢复到版本 ${v.revision} 的内容（新版本 ${r && r.revision}）。`);
		await loadItems();
		refreshKbInfo();
		if (state.base && !isDirty()) {
			// Show the restored text of the item being edited.
			const id = state.base.id;
			const it = state.items.find((x) => x.id === id);
			state.snapshot = '';
			if (it)
				fillEditor(it, false);
			else
				closeEditor();
		}
		await loadHistory();
	} catch (e) {
		report(e, $('history-error'));
	}
}

$('history-refresh').addEventListener('click', () => {
	loadHistory().catch((e) => report(e));
});

// ---------------------------------------------------------------- push, menu

function article() {
	const a = {
		title: $('p-title').value.trim(),
		author: $('p-author').value.trim(),
		digest: $('p-digest').value.trim(),
		content: $('p-content').value,
		content_source_url: $('p-source').value.trim(),
		thumb: $('p-thumb').value.trim(),
	};
	for (const k of Object.keys(a)) {
		if (a[k] === '')
			delete a[k];
	}
	return a;
}

// Show an answer of unknown shape as a readable list.
function kvList(obj) {
	if (obj === null || typeof obj !== 'object')
		return el('p', {}, String(obj));
	const dl = el('dl', { class: 'kv' });
	for (const [k, v] of Object.entries(obj)) {
		dl.append(el('dt', {}, k), el('dd', {},
		    v !== null && typeof v === 'object' ? el('pre', {}, JSON.stringify(v, null, 2)) : String(v)));
	}
	return dl;
}

const STEP_TEXT = {
	thumb: '上传封面图片', draft: '存为草稿', publish: '发布',
	preview: '发送预览', mass_send: '群发',
};
const STEP_STATE = {
	done: '✓ 完成', skipped: '已做过，跳过', failed: '✗ 失败', '-': '未进行',
};
const REPORT_TEXT = {
	message: '说明', draft_media_id: '草稿编号', publish_id: '发布编号',
	msg_id: '群发消息编号', thumb_media_id: '封面图片编号',
	errcode: '微信错误码', key: '推送编号',
};

// The push report of the server: the steps and what they made.
function pushReport(r) {
	if (!r || typeof r !== 'object')
		return el('p', {}, String(r ?? ''));
	const dl = el('dl', { class: 'kv' });
	if (r.steps && typeof r.steps === 'object') {
		for (const [k, v] of Object.entries(r.steps)) {
			if (v === '-')
				continue;
			dl.append(el('dt', {}, STEP_TEXT[k] || k),
			    el('dd', {}, STEP_STATE[v] || String(v)));
		}
	}
	if (typeof r.article_url === 'string' && /^https?:\/\//i.test(r.article_url))
		dl.append(el('dt', {}, '文章链接'), el('dd', {}, el('a', {
			href: r.article_url, target: '_blank', rel: 'noopener noreferrer',
		}, r.article_url)));
	for (const [k, label] of Object.entries(REPORT_TEXT)) {
		if (r[k] !== undefined && r[k] !== null && r[k] !== '')
			dl.append(el('dt', {}, label), el('dd', {}, String(r[k])));
	}
	const known = new Set(['ok', 'error', 'steps', 'article_url',
		...Object.keys(REPORT_TEXT)]);
	const rest = Object.fromEntries(Object.entries(r).filter(([k]) => !known.has(k)));
	return Object.keys(rest).length ? [dl, kvList(rest)] : dl;
}

async function push(kind) {
	const box = $('push-result');
	const a = article();
	const missing = [];
	if (!a.title)
		missing.push('标题');
	if (!a.content)
		missing.push('正文');
	if (kind === 'preview' && !$('p-openid').value.trim())
		missing.push('预览接收人 OpenID');
	if (missing.length) {
		clear(box).append(el('p', { class: 'msg err' }, `请先填写：${missing.join('、')}。`));
		box.className = 'result err';
		show(box);
		return;
	}
	if (kind === 'mass' && !await confirmBox('群发会把这篇文章发给所有关注者，发出后无法撤回。已认证的订阅号每天只能群发 1 次。确定群发吗？', '群发'))
		return;
	if (kind === 'publish' && !await confirmBox('发布后文章会出现在公众号主页（不推送给关注者）。确定发布吗？', '发布'))
		return;
	a.publish = kind === 'publish' || kind === 'mass';
	a.mass_send = kind === 'mass';
	if (kind === 'preview')
		a.preview_openid = $('p-openid').value.trim();
	const label = { draft: '存为草稿', preview: '发送预览', publish: '发布', mass: '群发' }[kind];
	clear(box).append(el('p', {}, `正在${label}…`));
	box.className = 'result';
	show(box);
	try {
		const r = await api('POST', '/api/push', { body: a, timeout: 120000 });
		const ok = !(r && r.ok === false);
		clear(box).append(el('p', {}, ok ? `${label}成功。` :
		    `${label}没有完成：${(r && (r.error || r.message)) || '原因不明'}`),
		    pushReport(r));
		box.className = ok ? 'result ok' : 'result err';
	} catch (e) {
		clear(box).append(el('p', {}, `${label}没有成功：${e.message}`));
		if (e instanceof ApiError && e.body && Array.isArray(e.body.details))
			box.append(el('ul', {}, e.body.details.map((d) => el('li', {}, String(d)))));
		box.className = 'result err';
	}
}

$('push-form').addEventListener('submit', (ev) => ev.preventDefault());
$('push-draft').addEventListener('click', () => push('draft').catch((e) => report(e)));
$('push-preview').addEventListener('click', () => push('preview').catch((e) => report(e)));
$('push-publish').addEventListener('click', () => push('publish').catch((e) => report(e)));
$('push-mass').addEventListener('click', () => push('mass').catch((e) => report(e)));

function menuTree(menu) {
	const buttons = menu && Array.isArray(menu.button) ? menu.button : [];
	return el('ul', { class: 'menu-tree' }, buttons.map((b) => el('li', {},
	    b.name || '', b.key ? el('code', {}, b.key) : null,
	    Array.isArray(b.sub_button) && b.sub_button.length ?
		el('ul', {}, b.sub_button.map((s) => el('li', {}, s.name || '',
		    s.key ? el('code', {}, s.key) : null))) : null)));
}

$('menu-sync').addEventListener('click', async () => {
	const box = $('menu-result');
	if (!await confirmBox('用知识库里的菜单替换公众号现在的自定义菜单吗？', '同步'))
		return;
	clear(box).append(el('p', {}, '正在同步…'));
	box.className = 'result';
	show(box);
	try {
		const r = await api('POST', '/api/menu/sync', { timeout: 60000 });
		clear(box).append(el('p', { class: 'ok' }, '菜单已同步。关注者重新进入公众号后可以看到新菜单。'),
		    menuTree(r && r.menu));
		box.className = 'result ok';
	} catch (e) {
		clear(box).append(el('p', {}, `菜单没有同步：${e.message}`));
		box.className = 'result err';
	}
});

// ---------------------------------------------------------------- start

$('flash-close').addEventListener('click', () => show($('flash'), false));

{
	const d = new Date();
	$('export-month').value = `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}`;
}

(async () => {
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
		    '登录已失效，请重新输入管理口令。' : e.message);
	}
})();
