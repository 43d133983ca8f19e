// The 推送与菜单 tab: push an article (cover, checks, the steps as WeChat
// takes them) and the menu preview and sync.
// One of the admin page's scripts; index.html loads them in order and
// they share one scope (see app.js).
'use strict';

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
