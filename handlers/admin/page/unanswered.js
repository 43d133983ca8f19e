// The 未答问题 tab: questions nobody answered, turned into keywords or
// items, ignored or marked handled.
// One of the admin page's scripts; index.html loads them in order and
// they share one scope (see app.js).
'use strict';

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
	const current = ticket('unanswered');
	setMsg($('unanswered-error'), '');
	let r;
	try {
		r = await api('GET', '/api/stats/unanswered');
	} catch (e) {
		if (current())
			report(e, $('unanswered-error'));
		return;
	}
	if (!current())
		return;
	const tb = clear($('unanswered-body'));
	const want = $('unanswered-filter').value;
	const all = (Array.isArray(r.questions) ? r.questions : [])
		.slice().sort((a, b) => (b.count || 0) - (a.count || 0));
	// With several servers: the others' questions may be old.
	show($('unanswered-degraded'), r.cluster === 'degraded');
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
