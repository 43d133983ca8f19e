// The 条目 tab: the list and its search, the editor of one item, its
// keyword chips and the preview of the answer.
// One of the admin page's scripts; index.html loads them in order and
// they share one scope (see app.js).
'use strict';

// ---------------------------------------------------------------- list

async function loadItems() {
	const all = await api('GET', '/api/kb/items');
	state.items = Array.isArray(all.items) ? all.items : [];
	if (all.revision !== undefined)
		state.kbRevision = all.revision;
	await search();
}

async function search() {
	const current = ticket('search');
	const q = $('search').value.trim();
	setMsg($('list-error'), '');
	let items = state.items;
	if (q !== '') {
		try {
			const r = await api('GET',
			    `/api/kb/items?q=${encodeURIComponent(q)}`);
			items = Array.isArray(r.items) ? r.items : [];
		} catch (e) {
			if (current())
				report(e, $('list-error'));
			items = [];
		}
	}
	if (!current())
		return;
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
