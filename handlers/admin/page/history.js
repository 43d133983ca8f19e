// The 历史 tab, and one item's history with its changes and restore.
// One of the admin page's scripts; index.html loads them in order and
// they share one scope (see app.js).
'use strict';

// ---------------------------------------------------------------- history

async function loadHistory() {
	const current = ticket('history');
	setMsg($('history-error'), '');
	let r;
	try {
		r = await api('GET', '/api/kb/history');
	} catch (e) {
		if (current())
			report(e, $('history-error'));
		return;
	}
	if (!current())
		return;
	const tb = clear($('history-body'));
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
