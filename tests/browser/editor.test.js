'use strict';
// The admin page end to end in headless Chromium, as a member of staff
// uses it: sign in, find the contact item, add a keyword, save, see the
// answer change; conflicts, invalid edits, unanswered questions, delete
// and restore, statistics, push, the phone layout.  Prints TAP.
//
// Against a running wxkbd (tests/integration/browser.sh sets these):
//   WXKB_ADMIN_URL=http://127.0.0.1:PORT  WXKB_ADMIN_TOKEN=...
//   WXKBCTL=build/wxkbctl WXKBD_CONF=.../wxkbd.conf   (simulate checks)
// Without WXKB_ADMIN_URL it starts mock_api.js on a loopback port.
//   WXKB_OUT=DIR      where the screenshots go (default: TMPDIR/wxkb-browser)
//   SCREENSHOT=1      also copy the editor's to docs/admin-editor.png
//   MOCK_PUSH=1       the mock answers push and menu sync (default: 404,
//                     as before they are wired)
//
// Every wait is bounded, and the browser may reach 127.0.0.1 only.

const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawnSync } = require('node:child_process');
const { chromium } = require('playwright-core');

const ROOT = path.resolve(__dirname, '..', '..');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu',
	'--disable-background-networking', '--disable-component-update',
	'--disable-sync', '--no-first-run', '--disable-quic'];
const WAIT = 10000;
const PHONE_NO = '87841022';
// The contact item's answer; suggestion lists end with the phone too.
const PHONE_LINE = `电话：${PHONE_NO}`;
const NEW_KW = '办事处热线';
const Q_NEW = '请问垃圾分类几点收';
const Q_ADD = '社区医院几点开门';

let n = 0;
let failed = 0;

function tap(ok, name, extra) {
	n++;
	if (!ok)
		failed++;
	console.log(`${ok ? 'ok' : 'not ok'} ${n} - ${name}${extra || ''}`);
}

function diag(text) {
	for (const line of String(text).split('\n').slice(0, 12))
		console.log(`# ${line}`);
}

// After a failed test: put the page back in a known state so one failure
// does not fail every test after it.
let recover = async () => {};

// t(name, fn): one test; fn may answer {skip: why}.  Answers whether it
// passed.
async function t(name, fn) {
	try {
		const r = await fn();
		tap(true, name, r && r.skip ? ` # SKIP ${r.skip}` : '');
		return true;
	} catch (e) {
		tap(false, name);
		diag(e && e.stack ? e.stack : e);
		await recover().catch((e2) => diag(`recovery: ${e2.message}`));
		return false;
	}
}

function assert(cond, what) {
	if (!cond)
		throw new Error(`assertion failed: ${what}`);
}

// A whole run is bounded too, whatever hangs.
const watchdog = setTimeout(() => {
	tap(false, 'the browser test finished within 240 s');
	process.exit(1);
}, 240000);

async function main() {
	let mock = null;
	let base = process.env.WXKB_ADMIN_URL;
	let token = process.env.WXKB_ADMIN_TOKEN;
	if (!base) {
		mock = await require('./mock_api.js').start({
			pushWired: process.env.MOCK_PUSH === '1',
		});
		base = mock.url;
		token = mock.token;
		console.log(`# against the mock API at ${base}`);
	} else {
		console.log(`# against wxkbd at ${base}`);
	}
	const host = new URL(base).hostname;
	assert(host === '127.0.0.1', 'the admin URL is on 127.0.0.1');
	const ctl = process.env.WXKBCTL;
	const conf = process.env.WXKBD_CONF;
	const outDir = process.env.WXKB_OUT || path.join(os.tmpdir(), 'wxkb-browser');
	fs.mkdirSync(outDir, { recursive: true });

	// The API as another member of staff (or curl) would use it.
	const http = async (method, p, body, ifMatch) => {
		const headers = { Authorization: `Bearer ${token}` };
		if (body !== undefined)
			headers['Content-Type'] = 'application/json';
		if (ifMatch !== undefined)
			headers['If-Match'] = String(ifMatch);
		const res = await fetch(base + p, {
			method, headers, signal: AbortSignal.timeout(WAIT),
			body: body === undefined ? undefined : JSON.stringify(body),
		});
		const text = await res.text();
		let json = null;
		try {
			json = JSON.parse(text);
		} catch (e) {
			json = null;
		}
		return { status: res.status, json, text, headers: res.headers };
	};
	const getItem = async (id) => {
		const r = await http('GET', `/api/kb/items/${id}`);
		return r.status === 200 ? r.json.item : null;
	};
	const simulate = (text) => {
		const r = spawnSync(ctl, ['--config', conf, 'simulate', text],
		    { encoding: 'utf8', timeout: 20000 });
		return `${r.stdout || ''}${r.stderr || ''}`;
	};

	const userDir = fs.mkdtempSync(path.join(os.tmpdir(), 'wxkb-chromium.'));
	const offsite = [];
	const pageErrors = [];
	let ctx;
	try {
		ctx = await chromium.launchPersistentContext(userDir, {
			executablePath: CHROMIUM, args: ARGS, headless: true,
			viewport: { width: 1366, height: 900 }, locale: 'zh-CN',
			timezoneId: 'Asia/Shanghai', acceptDownloads: true,
			timeout: 30000,
		});
	} catch (e) {
		tap(false, 'headless Chromium starts');
		diag(e.stack);
		throw e;
	}
	try {
		await ctx.route('**/*', (route) => {
			const u = new URL(route.request().url());
			if (u.protocol === 'data:' || u.protocol === 'blob:' ||
			    u.hostname === '127.0.0.1')
				return route.continue();
			offsite.push(u.href);
			return route.abort();
		});
		const page = ctx.pages()[0] || await ctx.newPage();
		page.setDefaultTimeout(WAIT);
		page.setDefaultNavigationTimeout(WAIT);
		page.on('pageerror', (e) => pageErrors.push(`pageerror: ${e.message}`));
		page.on('console', (m) => {
			if (m.type() === 'error' || /Content Security Policy/i.test(m.text()))
				pageErrors.push(`console.${m.type()}: ${m.text()}`);
		});
		// Leaving with unsaved edits asks "leave the page?": yes.
		page.on('dialog', (d) => d.accept().catch(() => {}));
		recover = async () => {
			await page.reload({ waitUntil: 'load', timeout: WAIT });
			await page.locator('#app:not([hidden]), #login:not([hidden])')
				.first().waitFor({ timeout: WAIT });
		};
		// Errors the page itself is expected to cause: the wrong
		// token, the refused edits, push without a WeChat server.
		const expectErrors = /status of (401|404|409|412|422|502|503|504)\b/;

		const see = (sel, text) =>
		    page.locator(sel, text === undefined ? {} : { hasText: text })
			.first().waitFor({ state: 'visible', timeout: WAIT });
		const confirm = async (ok) => {
			await see('#confirm[open]');
			await page.click(ok ? '#confirm-ok' : '#confirm-cancel');
			await page.locator('#confirm[open]').waitFor({ state: 'detached', timeout: WAIT })
				.catch(() => page.waitForFunction(() => !document.getElementById('confirm').open, null, { timeout: WAIT }));
		};
		const chips = () => page.$$eval('#chips .chip', (cs) => cs.map((c) => c.dataset.kw));
		const openItem = async (id, word) => {
			await page.click('#tabs [data-tab=items]');
			await page.fill('#search', word);
			await page.press('#search', 'Enter');
			await page.click(`.item-row[data-id="${id}"]`);
			await page.waitForFunction((want) => document.getElementById('f-id').value === want &&
			    !document.getElementById('editor').hidden, id, { timeout: WAIT });
		};
		const addChip = async (kw) => {
			await page.fill('#kw-input', kw);
			await page.press('#kw-input', 'Enter');
			await see(`#chips .chip[data-kw="${kw}"]`);
		};

		const served = await t('the page is served at /admin/ with a strict CSP and no inline code', async () => {
			const res = await page.goto(`${base}/admin/`, { waitUntil: 'load' });
			assert(res.status() === 200, `status ${res.status()}`);
			const h = res.headers();
			const csp = h['content-security-policy'] || '';
			assert(/script-src 'self'/.test(csp) && /default-src 'self'/.test(csp) &&
			    /frame-ancestors 'none'/.test(csp), `CSP header: "${csp}"`);
			assert(h['x-content-type-options'] === 'nosniff', 'X-Content-Type-Options');
			assert(/^text\/html/.test(h['content-type'] || ''), 'Content-Type');
			const html = await res.text();
			assert(!/<script(?![^>]*\bsrc=)[^>]*>/i.test(html), 'no inline script');
			assert(!/\sstyle=|\son[a-z]+=/i.test(html), 'no style or on* attributes');
			for (const f of ['app.js', 'style.css']) {
				const r = await http('GET', `/admin/${f}`);
				assert(r.status === 200, `${f}: ${r.status}`);
			}
			await see('#login-form');
		});

		if (!served) {
			console.log('Bail out! no admin page to test');
			return;
		}

		await t('a wrong token is refused with a clear error, nothing stored', async () => {
			await page.fill('#login-token', 'not-the-admin-token');
			await page.click('#login-submit');
			await see('#login-error', '口令不正确');
			assert(await page.isHidden('#app'), 'app stays hidden');
			const kept = await page.evaluate(() => sessionStorage.getItem('wxkb.adminToken'));
			assert(kept === null, 'no token kept');
		});

		await t('signs in with the admin token (kept in sessionStorage only)', async () => {
			await page.fill('#login-token', token);
			await page.click('#login-submit');
			await see('#app');
			await see('#kb-info', '版本');
			const kept = await page.evaluate(() => [sessionStorage.getItem('wxkb.adminToken'),
				localStorage.length, document.cookie]);
			assert(kept[0] === token, 'token in sessionStorage');
			assert(kept[1] === 0 && kept[2] === '', 'nothing in localStorage or cookies');
		});

		await t('searching 电话 lists the contact item with its keywords and match mode', async () => {
			await page.fill('#search', '电话');
			await page.press('#search', 'Enter');
			await see('.item-row[data-id="contact"]');
			const row = await page.textContent('.item-row[data-id="contact"]');
			assert(row.includes('街道党政办公室联系方式') && row.includes('包含'), row);
			assert(row.includes('电话'), 'keywords shown');
		});

		if (ctl && conf) {
			await t(`before the edit, "${NEW_KW}" does not get the office phone`, async () => {
				const out = simulate(NEW_KW);
				assert(!out.includes(PHONE_LINE), out);
			});
		}

		await t('opens the contact item: fields, keyword chips and the WeChat bubble', async () => {
			await page.click('.item-row[data-id="contact"]');
			await see('#editor');
			assert(await page.inputValue('#f-id') === 'contact', 'id');
			assert(await page.isEditable('#f-id') === false, 'id read-only');
			assert((await chips()).includes('电话'), 'chips');
			await see('#preview .bubble.bot', PHONE_NO);
		});

		await t('a keyword used by another item is flagged, and × removes a chip', async () => {
			await addChip('传真');
			await see('#kw-warn', '该关键词也用于：传真号码');
			await page.click('#chips .chip[data-kw="传真"] .chip-x');
			assert(!(await chips()).includes('传真'), 'chip removed');
			assert(!(await page.textContent('#kw-warn')).includes('传真号码'), 'warning gone');
		});

		let shot = '';
		await t(`adds the keyword "${NEW_KW}" as a chip and saves it`, async () => {
			await page.fill('#kw-input', `${NEW_KW}，`);
			await see(`#chips .chip[data-kw="${NEW_KW}"]`);
			await page.click('#save');
			await see('#save-status', '已保存');
			await see('#item-list');
			const it = await getItem('contact');
			assert(it && it.keywords.includes(NEW_KW), 'the server has the keyword');
			await see('#kb-info', `版本 ${it.revision}`);
			await see('#preview .bubble.me', NEW_KW);
			shot = path.join(outDir, 'admin-editor.png');
			await page.evaluate(() => window.scrollTo(0, 0));
			await page.screenshot({ path: shot });
		});

		if (ctl && conf) {
			await t(`wxkbctl simulate "${NEW_KW}" now answers with ${PHONE_NO}`, async () => {
				const out = simulate(NEW_KW);
				assert(out.includes(PHONE_LINE), out);
			});
		} else {
			await t(`wxkbctl simulate "${NEW_KW}"`, async () => ({ skip: 'no running wxkbd (mock API)' }));
		}

		await t(`"居民问…" box: "${NEW_KW}" gets the contact item, score and bubble`, async () => {
			await page.fill('#query-text', NEW_KW);
			await page.press('#query-text', 'Enter');
			await see('#query-result .query-item', 'contact');
			await see('#query-result .bubble.bot', PHONE_NO);
			await see('#query-result .query-facts', '得分');
		});

		if (ctl && conf) {
			await t('synonyms: the file\'s groups are shown; a new group answers at once', async () => {
				await see('#synonyms-text');
				const before = await page.inputValue('#synonyms-text');
				assert(before.includes('怎么 咋'), before);
				await page.fill('#synonyms-text', `${before}\n啥子`);
				await page.click('#synonyms-form button[type="submit"]');
				await see('#synonyms-error', '只有一个词');
				await page.fill('#synonyms-text', `${before}\n公益性岗位、公益工作`);
				await page.click('#synonyms-form button[type="submit"]');
				await see('#flash', '同义词已保存');
				await page.fill('#query-text', '公益工作补贴多少');
				await page.press('#query-text', 'Enter');
				await see('#query-result .query-item', 'public-welfare-jobs');
				await see('#query-result .query-why', 'synonym');
			});
		}

		await t('a concurrent edit: saving shows both versions; "keep theirs" loads theirs', async () => {
			await openItem('contact', '电话');
			await page.fill('#f-priority', '1');
			const cur = await getItem('contact');
			const theirs = { ...cur, keywords: [...cur.keywords, '值班电话'] };
			delete theirs.revision;
			delete theirs.expired;
			const r = await http('PUT', '/api/kb/items/contact', theirs, cur.revision);
			assert(r.status === 200, `curl-like PUT: ${r.status} ${r.text}`);
			await page.click('#save');
			await see('#conflict');
			await see('#conflict-mine', '优先级');
			await see('#conflict-theirs', '值班电话');
			assert(!(await page.textContent('#conflict-mine')).includes('值班电话'), 'mine lacks theirs');
			await page.click('#conflict-theirs-btn');
			await see('#chips .chip[data-kw="值班电话"]');
			assert(await page.isHidden('#conflict'), 'conflict closed');
			assert(await page.inputValue('#f-priority') === String(cur.priority || 0), 'their priority');
		});

		await t('a concurrent edit: "overwrite with mine" saves with the new revision', async () => {
			await openItem('contact', '电话');
			await page.fill('#f-priority', '2');
			const cur = await getItem('contact');
			const theirs = { ...cur, title: '街道党政办公室联系方式（他人修改）' };
			delete theirs.revision;
			delete theirs.expired;
			const r = await http('PUT', '/api/kb/items/contact', theirs, cur.revision);
			assert(r.status === 200, `PUT: ${r.status}`);
			await page.click('#save');
			await see('#conflict-theirs', '他人修改');
			await page.click('#conflict-mine-btn');
			await see('#save-status', '已保存');
			/* The status may still show the previous save: wait for ours. */
			let it = await getItem('contact');
			for (let i = 0; i < 50 && it.priority !== 2; i++) {
				await page.waitForTimeout(100);
				it = await getItem('contact');
			}
			assert(it.priority === 2, `priority ${it.priority}`);
			assert(it.title === '街道党政办公室联系方式', `title ${it.title}`);
			assert(it.keywords.includes(NEW_KW), 'our keyword kept');
		});

		await t('an invalid edit is refused (422) with the details in the page', async () => {
			await openItem('contact', '电话');
			await page.fill('#f-menu-key', 'REPORT');
			await page.click('#save');
			await see('#editor-errors');
			await see('#editor-errors-list li', 'REPORT');
			const it = await getItem('contact');
			assert(it.menu_key === 'CONTACT', 'unchanged on the server');
			await page.click('#revert');
			await confirm(true);
			assert(await page.inputValue('#f-menu-key') === 'CONTACT', 'reverted');
		});

		await t('unanswered questions: "新建条目" starts an item from the question', async () => {
			await page.click('#tabs [data-tab=unanswered]');
			const row = page.locator('#unanswered-body tr', { hasText: Q_NEW }).first();
			await row.waitFor({ timeout: WAIT });
			await row.locator('.new-from').click();
			await see('#editor-heading', '新建条目');
			assert(await page.inputValue('#f-title') === Q_NEW, 'title prefilled');
			assert((await chips()).includes(Q_NEW), 'keyword prefilled');
			await page.fill('#f-id', 'garbage-sorting');
			await page.fill('#f-reply', '王哥庄街道生活垃圾每天上午7点前、下午5点后各收运一次。');
			await page.click('#save');
			await see('#save-status', '已保存');
			await page.fill('#query-text', Q_NEW);
			await page.press('#query-text', 'Enter');
			await see('#query-result .query-item', 'garbage-sorting');
		});

		await t('unanswered questions: "加入已有条目" adds the question to a picked item', async () => {
			await page.click('#tabs [data-tab=unanswered]');
			const row = page.locator('#unanswered-body tr', { hasText: Q_ADD }).first();
			await row.waitFor({ timeout: WAIT });
			await row.locator('.add-existing').click();
			await see('#pick[open]');
			await page.fill('#pick-filter', '联系方式');
			await page.click('#pick-list .pick-row[data-id="contact"]');
			await see(`#chips .chip[data-kw="${Q_ADD}"]`);
			await see('#save-status', Q_ADD);
			await page.click('#revert');
			await confirm(true);
			assert(!(await chips()).includes(Q_ADD), 'discarded');
		});

		await t('a news reply is shown read-only and kept on save; an expired item is flagged', async () => {
			const news = {
				id: 'report-news', title: '年度报告图文', keywords: ['年报图文'],
				reply: { type: 'news', articles: [{
					title: '王哥庄街道2020年政府信息公开工作年度报告',
					description: '一文看懂街道2020年政务公开工作',
					url: 'http://www.laoshan.gov.cn/', picurl: 'http://www.laoshan.gov.cn/cover.jpg',
				}] },
			};
			const old = {
				id: 'old-notice', title: '2020年冬季供暖通知', keywords: ['供暖通知'],
				reply: { type: 'text', content: '供暖时间为2020年11月15日至2021年4月5日。' },
				valid_until: '2021-04-05',
			};
			for (const it of [news, old]) {
				const rev = (await http('GET', '/api/kb')).json.revision;
				const r = await http('POST', '/api/kb/items', it, rev);
				assert(r.status === 201, `POST ${it.id}: ${r.status} ${r.text}`);
			}
			await page.click('#tabs [data-tab=items]');
			await page.fill('#search', '供暖');
			await page.press('#search', 'Enter');
			await see('.item-row[data-id="old-notice"] .badge.expired', '已过期');
			await page.click('.item-row[data-id="old-notice"]');
			await see('#editor-expired', '已过期');
			await openItem('report-news', '年报图文');
			assert(await page.isHidden('#f-reply'), 'no text box for a news reply');
			await see('#reply-readonly-note', '图文');
			await see('#preview .bubble.news', '一文看懂');
			await page.fill('#f-title', '年度报告（图文）');
			await page.click('#save');
			await see('#save-status', '已保存');
			const it = await getItem('report-news');
			assert(it.title === '年度报告（图文）', 'title saved');
			assert(it.reply.type === 'news' && it.reply.articles[0].url === 'http://www.laoshan.gov.cn/',
			    `reply kept: ${JSON.stringify(it.reply)}`);
		});

		let beforeDelete = null;
		await t('delete asks first; cancel keeps the item, OK deletes it', async () => {
			await openItem('garbage-sorting', '垃圾');
			await page.click('#delete');
			await confirm(false);
			assert(await getItem('garbage-sorting'), 'kept after cancel');
			beforeDelete = (await http('GET', '/api/kb')).json.revision;
			await page.click('#delete');
			await see('#confirm-text', '确定删除');
			await confirm(true);
			await see('#flash', '已删除');
			assert(await getItem('garbage-sorting') === null, 'deleted on the server');
			assert(await page.isHidden('#editor'), 'editor closed');
		});

		await t('history lists the versions; restore (confirmed) brings the item back', async () => {
			await page.click('#tabs [data-tab=history]');
			await see('#history-body tr');
			const row = page.locator(`#history-body tr[data-revision="${beforeDelete}"]`);
			await row.waitFor({ timeout: WAIT });
			await row.locator('.restore').click();
			await confirm(true);
			await see('#flash', '已恢复');
			assert(await getItem('garbage-sorting'), 'restored on the server');
		});

		await t('statistics: answer rate per day, hits per item, CSV download', async () => {
			await page.click('#tabs [data-tab=stats]');
			await see('#days-body tr');
			await see('#hits-body tr');
			assert(await page.isHidden('#stats-error'), await page.textContent('#stats-error'));
			const month = await page.inputValue('#export-month');
			const [dl] = await Promise.all([
				page.waitForEvent('download', { timeout: WAIT }),
				page.click('#export-btn'),
			]);
			assert(dl.suggestedFilename() === `wxkb-${month}.csv`, dl.suggestedFilename());
			const file = await dl.path();
			const csv = fs.readFileSync(file, 'utf8');
			assert(csv.length > 0 && csv.includes(','), `CSV: ${csv.slice(0, 200)}`);
		});

		await t('push: missing fields and server errors are shown in the page; mass send asks first', async () => {
			await page.click('#tabs [data-tab=push]');
			await page.fill('#p-title', '测试文章');
			await page.fill('#p-content', '<p>正文</p>');
			await page.click('#push-preview');
			await see('#push-result', 'OpenID');
			await page.fill('#p-openid', 'oTestOpenId000000000000000000');
			await page.click('#push-preview');
			await page.waitForFunction(() => /\b(ok|err)\b/.test(document.getElementById('push-result').className),
			    null, { timeout: 60000 });
			const text = await page.textContent('#push-result');
			assert(/发送预览(成功|没有成功：.+)/.test(text), text);
			await page.click('#push-mass');
			await see('#confirm-text', '每天只能群发 1 次');
			await confirm(false);
			assert(await page.textContent('#push-result') === text, 'nothing sent after cancel');
			diag(`push answer: ${text}`);
		});

		await t('menu sync: the result or the error is shown in the page', async () => {
			await page.click('#menu-sync');
			await confirm(true);
			await page.waitForFunction(() => /\b(ok|err)\b/.test(document.getElementById('menu-result').className),
			    null, { timeout: 60000 });
			const text = await page.textContent('#menu-result');
			assert(/菜单(已同步|没有同步：.+)/.test(text), text);
			diag(`menu answer: ${text}`);
		});

		await t('a token refused mid-edit asks for it again and keeps the unsaved edit', async () => {
			await openItem('contact', '电话');
			const title = await page.inputValue('#f-title');
			await page.fill('#f-title', `${title}（草稿）`);
			await page.route('**/api/kb/items/contact', (route) => route.continue({
				headers: { ...route.request().headers(), authorization: 'Bearer revoked' },
			}), { times: 1 });
			await page.click('#save');
			await see('#login-error', '没有保存的修改仍在');
			await page.fill('#login-token', token);
			await page.click('#login-submit');
			await see('#app');
			assert(await page.inputValue('#f-title') === `${title}（草稿）`, 'draft kept');
			assert((await getItem('contact')).title === title, 'not saved meanwhile');
			await page.click('#revert');
			await confirm(true);
			assert(await page.inputValue('#f-title') === title, 'reverted');
		});

		await t('phone width: no sideways scrolling, the editor opens below the list', async () => {
			await page.setViewportSize({ width: 390, height: 844 });
			await openItem('contact', '电话');
			const [sw, iw] = await page.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
			assert(sw <= iw, `scrollWidth ${sw} > ${iw}`);
			const top = await page.evaluate(() => document.getElementById('editor').getBoundingClientRect().top);
			assert(top >= -2 && top < 200, `editor scrolled into view (top ${top})`);
			const box = await page.locator('#save').boundingBox();
			assert(box && box.x >= 0 && box.x + box.width <= iw, 'save button on screen');
			await page.screenshot({ path: path.join(outDir, 'admin-phone.png') });
			await page.setViewportSize({ width: 1366, height: 900 });
		});

		await t('sign out forgets the token; a reload asks again', async () => {
			await page.click('#logout');
			await see('#login');
			assert(await page.evaluate(() => sessionStorage.getItem('wxkb.adminToken')) === null, 'forgotten');
			await page.reload({ waitUntil: 'load' });
			await see('#login-form');
			assert(await page.isHidden('#app'), 'still signed out');
		});

		await t('no script error or CSP violation, no request beyond 127.0.0.1', async () => {
			const bad = pageErrors.filter((e) => !expectErrors.test(e));
			assert(bad.length === 0, bad.join('\n'));
			assert(offsite.length === 0, offsite.join('\n'));
		});

		await t('the editor screenshot is saved', async () => {
			assert(shot && fs.statSync(shot).size > 10000, `screenshot ${shot}`);
			const size = fs.statSync(shot).size;
			if (process.env.SCREENSHOT === '1') {
				const dest = path.join(ROOT, 'docs', 'admin-editor.png');
				fs.copyFileSync(shot, dest);
				diag(`screenshot copied to ${path.relative(ROOT, dest)} (${size} bytes)`);
			} else {
				diag(`screenshot: ${shot} (${size} bytes; SCREENSHOT=1 copies it to docs/)`);
			}
		});
	} finally {
		await ctx.close().catch(() => {});
		fs.rmSync(userDir, { recursive: true, force: true });
		if (mock)
			await mock.close();
	}
}

main().catch((e) => {
	tap(false, 'the browser test ran to the end');
	diag(e && e.stack ? e.stack : e);
}).finally(() => {
	clearTimeout(watchdog);
	console.log(`1..${n}`);
	process.exitCode = failed ? 1 : 0;
});
