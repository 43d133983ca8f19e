// The 条目 tab's side cards: try a question as a resident would ask it,
// and edit the synonym groups.
// One of the admin page's scripts; index.html loads them in order and
// they share one scope (see app.js).
'use strict';

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
