// The 统计 tab: the answer rate over a period, its trend and the top
// unanswered questions, as SVG charts (no library), and the CSV export.
// One of the admin page's scripts; index.html loads them in order and
// they share one scope (see app.js).
'use strict';

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
	// With several servers: the figures of the others may be old.
	show($('stats-degraded'), r.cluster === 'degraded');
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
