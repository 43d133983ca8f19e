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
const Q_SKIP = '今天天气怎么样';

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

		const find = (sel, text) =>
		    page.locator(sel, text === undefined ? {} : { hasText: text }).first();
		const see = (sel, text) => find(sel, text).waitFor({ state: 'visible', timeout: WAIT });
		// gone(sel, text, what): waits until no such element is left; the
		// view may still show its last answer while a new load is on its way.
		const gone = (sel, text, what) =>
		    find(sel, text).waitFor({ state: 'detached', timeout: WAIT })
			.catch(() => assert(false, what));
		const confirm = async (ok) => {
			await see('#confirm[open]');
			await page.click(ok ? '#confirm-ok' : '#confirm-cancel');
			await page.locator('#confirm[open]').waitFor({ state: 'detached', timeout: WAIT })
				.catch(() => page.waitForFunction(() => !document.getElementById('confirm').open, null, { timeout: WAIT }));
		};
		// The token field sits in the sign-in form's "advanced" fold.
		const openAdvanced = async () => {
			if (!await page.$eval('#login-advanced', (d) => d.open))
				await page.click('#login-advanced summary');
		};
		// openTab(name): shows a tab and waits until its content is loaded.
		const openTab = async (name) => {
			await page.click(`#tabs [data-tab=${name}]`);
			await page.locator(`#tab-${name}:not([aria-busy])`).waitFor({ timeout: WAIT });
		};
		const chips = () => page.$$eval('#chips .chip', (cs) => cs.map((c) => c.dataset.kw));
		const openItem = async (id, word) => {
			await openTab('items');
			await page.fill('#search', word);
			await page.press('#search', 'Enter');
			// Wait for the item's own answer: the editor may show it
			// already, and a late fill would undo the next edit.
			const [resp] = await Promise.all([
				page.waitForResponse((r) => r.request().method() === 'GET' &&
				    new URL(r.url()).pathname === `/api/kb/items/${id}`, { timeout: WAIT }),
				page.click(`.item-row[data-id="${id}"]`),
			]);
			await resp.finished();
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
			assert(await page.isVisible('#login-name') && await page.isVisible('#login-password'),
			    'the form asks for a name and a password');
			assert(await page.isHidden('#login-token'), 'the token waits in the advanced fold');
			await openAdvanced();
			await page.fill('#login-token', 'not-the-admin-token');
			await page.click('#login-submit');
			await see('#login-error', '口令不正确');
			assert(await page.isHidden('#app'), 'app stays hidden');
			const kept = await page.evaluate(() => sessionStorage.getItem('wxkb.adminToken'));
			assert(kept === null, 'no token kept');
		});

		await t('signs in with the admin token (kept in sessionStorage only)', async () => {
			await openAdvanced();
			await page.fill('#login-token', token);
			await page.click('#login-submit');
			await see('#app');
			await see('#kb-info', '个条目');
			await see('#who-name', '管理口令');
			assert(!/版本/.test(await page.textContent('#kb-info')), 'no revision numbers for staff');
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
			assert(await page.isHidden('#f-id'), 'the id stays in the closed "advanced" fold');
			const reply = await page.locator('#f-reply').boundingBox();
			const kws = await page.locator('#chips').boundingBox();
			assert(reply && kws && reply.y < kws.y, 'the reply comes before the keywords');
			assert(reply.y < 900, `the reply is in view on a laptop (top ${reply.y})`);
			assert(!/版本/.test(await page.textContent('#editor-rev')), 'no revision number');
			assert((await chips()).includes('电话'), 'chips');
			await see('#preview .bubble.bot', PHONE_NO);
		});

		await t('a keyword used by another item is flagged, and × removes a chip', async () => {
			await addChip('传真');
			await see('#kw-warn', '该关键词也用于：“传真号码”');
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
			assert(!/版本/.test(await page.textContent('#save-status')), 'no revision number');
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
			await see('#query-result .query-item', '街道党政办公室联系方式');
			assert(!/规范化/.test(await page.textContent('#query-result')), 'no jargon');
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
				await see('#query-result .query-item', '公益性岗位');
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
			await page.click('#advanced summary');
			await page.fill('#f-menu-key', 'REPORT');
			await page.click('#save');
			await see('#editor-errors');
			await see('#editor-errors-list li', 'REPORT');
			// In Chinese, naming the other item by its title.
			const errs = await page.textContent('#editor-errors');
			assert(/菜单键“REPORT”已被“.+”使用/.test(errs), errs);
			assert(!/[A-Za-z]{3,}/.test(errs.replace(/“[^”]*”/g, '')), `no English: ${errs}`);
			const it = await getItem('contact');
			assert(it.menu_key === 'CONTACT', 'unchanged on the server');
			await page.click('#revert');
			await confirm(true);
			assert(await page.inputValue('#f-menu-key') === 'CONTACT', 'reverted');
		});

		let newId = 'garbage-sorting';
		await t('unanswered questions: "新建条目" starts an item from the question', async () => {
			await openTab('unanswered');
			const row = page.locator('#unanswered-body tr', { hasText: Q_NEW }).first();
			await row.waitFor({ timeout: WAIT });
			await row.locator('.new-from').click();
			await see('#editor-heading', '新建条目');
			assert(await page.inputValue('#f-title') === Q_NEW, 'title prefilled');
			assert(JSON.stringify(await chips()) === JSON.stringify(['垃圾分类']),
			    `a short keyword taken from the question: ${await chips()}`);
			assert(await page.isHidden('#f-id'), 'no id to make up');
			await page.fill('#f-reply', '王哥庄街道生活垃圾每天上午7点前、下午5点后各收运一次。');
			await page.click('#save');
			await see('#save-status', '已保存');
			newId = await page.inputValue('#f-id');
			assert(/^item-\d+$/.test(newId), `a generated id: ${newId}`);
			await page.fill('#query-text', Q_NEW);
			await page.press('#query-text', 'Enter');
			await see('#query-result .query-item', Q_NEW);
			// Answered now: it leaves the list of questions to do.
			await openTab('unanswered');
			await see('#unanswered-answered', '已经能回答');
			await gone('#unanswered-body tr', Q_NEW, 'the answered question is no longer listed');
			await page.selectOption('#unanswered-filter', 'all');
			await see(`#unanswered-body tr[data-q="${Q_NEW}"] .answered-by`, Q_NEW);
			await page.selectOption('#unanswered-filter', 'open');
		});

		await t('unanswered questions: "加入已有条目" adds the question to a picked item', async () => {
			await openTab('unanswered');
			const row = page.locator('#unanswered-body tr', { hasText: Q_ADD }).first();
			await row.waitFor({ timeout: WAIT });
			await row.locator('.add-existing').click();
			await see('#pick[open]');
			assert(await page.inputValue('#pick-kw') === '社区医院', 'a short keyword is proposed');
			await page.fill('#pick-kw', '社区医院开门');
			await page.fill('#pick-filter', '联系方式');
			await page.click('#pick-list .pick-row[data-id="contact"]');
			await see('#chips .chip[data-kw="社区医院开门"]');
			assert(!(await chips()).includes(Q_ADD), 'not the whole sentence');
			await see('#save-status', '社区医院开门');
			await page.click('#revert');
			await confirm(true);
			assert(!(await chips()).includes('社区医院开门'), 'discarded');
		});

		await t('unanswered questions: 忽略 and 已处理 are kept, and can be undone', async () => {
			await openTab('unanswered');
			const row = page.locator(`#unanswered-body tr[data-q="${Q_SKIP}"]`);
			await row.waitFor({ timeout: WAIT });
			await row.locator('.mark-ignored').click();
			await see('#flash', '已忽略');
			await row.waitFor({ state: 'detached', timeout: WAIT });
			let r = await http('GET', '/api/stats/unanswered');
			assert(r.json.questions.find((q) => q.text === Q_SKIP).state === 'ignored', 'kept on the server');
			await page.selectOption('#unanswered-filter', 'ignored');
			await row.locator('.mark-open').click();
			await see('#flash', '放回待处理');
			await page.selectOption('#unanswered-filter', 'open');
			await row.locator('.mark-handled').click();
			await see('#flash', '已处理');
			await row.waitFor({ state: 'detached', timeout: WAIT });
			r = await http('GET', '/api/stats/unanswered');
			assert(r.json.questions.find((q) => q.text === Q_SKIP).state === 'handled', 'handled on the server');
		});

		await t('unanswered questions on a phone: one card per question, nothing cut off', async () => {
			await page.setViewportSize({ width: 390, height: 844 });
			try {
				await openTab('unanswered');
				const row = page.locator(`#unanswered-body tr[data-q="${Q_ADD}"]`);
				await row.waitFor({ timeout: WAIT });
				const [sw, iw] = await page.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
				assert(sw <= iw, `scrollWidth ${sw} > ${iw}`);
				for (const b of ['.add-existing', '.new-from', '.mark-ignored', '.mark-handled']) {
					const box = await row.locator(b).boundingBox();
					assert(box && box.x >= 0 && box.x + box.width <= iw, `${b} on screen`);
				}
				await page.screenshot({ path: path.join(outDir, 'admin-unanswered-phone.png'), fullPage: true });
			} finally {
				await page.setViewportSize({ width: 1366, height: 900 });
			}
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
			await openTab('items');
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

		await t('several text replies: added, sent at random or all, removed again; an image reply is shown', async () => {
			await openTab('items');
			await page.click('#new-item');
			await page.fill('#f-title', '街道办公时间');
			await addChip('办公时间测试');
			await page.fill('#f-reply', '第一条：请致电87841022询问。');
			await page.click('#add-reply');
			await page.fill('#more-replies .more-reply:nth-child(1) textarea', '第二条：也可登录崂山政务网查询。');
			await see('#reply-mode-box');
			await page.selectOption('#f-reply-mode', 'random_one');
			await see('#preview .bubble.bot', '第二条');
			await see('#preview', '随机');
			await page.click('#save');
			await see('#save-status', '已保存');
			const id = await page.inputValue('#f-id');
			let it = await getItem(id);
			assert(Array.isArray(it.reply) && it.reply.length === 2 && it.reply_mode === 'random_one',
			    `two replies, at random: ${JSON.stringify(it.reply)} ${it.reply_mode}`);
			assert(it.reply[1].content === '第二条：也可登录崂山政务网查询。', 'the second');
			await page.click('#more-replies .remove-reply');
			assert(await page.isHidden('#reply-mode-box'), 'one reply: no mode to choose');
			await page.click('#save');
			await see('#save-status', '已保存');
			it = await getItem(id);
			assert(!Array.isArray(it.reply) && it.reply.content === '第一条：请致电87841022询问。' &&
			    it.reply_mode === undefined, `one reply again: ${JSON.stringify(it)}`);
			// An image reply: shown for what it is, kept on save.
			const img = {
				title: '街道位置图', keywords: ['位置图测试'],
				reply: { type: 'image', media_id: 'MEDIA_MAP_1' },
			};
			const rev = (await http('GET', '/api/kb')).json.revision;
			const r = await http('POST', '/api/kb/items', img, rev);
			assert(r.status === 201, `POST: ${r.status}`);
			await openItem(r.json.item.id, '位置图测试');
			await see('#reply-readonly-note', '图片');
			await see('#preview .bubble.media', '素材编号 MEDIA_MAP_1');
			assert(await page.isHidden('#add-reply'), 'no text reply to add to an image');
		});

		let beforeDelete = null;
		await t('delete asks first; cancel keeps the item, OK deletes it', async () => {
			await openItem(newId, '垃圾');
			await page.click('#delete');
			await confirm(false);
			assert(await getItem(newId), 'kept after cancel');
			beforeDelete = (await http('GET', '/api/kb')).json.revision;
			await page.click('#delete');
			await see('#confirm-text', '确定删除');
			await confirm(true);
			await see('#flash', '已删除');
			assert(await getItem(newId) === null, 'deleted on the server');
			assert(await page.isHidden('#editor'), 'editor closed');
		});

		await t('history names items by title; a deleted item is restored alone, later edits of others stay', async () => {
			// Another item changes after the delete: a restore must
			// not undo that.
			const other = await getItem('contact-fax');
			const mine = { ...other, priority: 7 };
			delete mine.revision;
			delete mine.expired;
			assert((await http('PUT', '/api/kb/items/contact-fax', mine, other.revision)).status === 200, 'edit fax');
			await openTab('history');
			const row = page.locator(`#history-body tr[data-item="${newId}"][data-action="delete"]`);
			await row.waitFor({ timeout: WAIT });
			assert((await row.textContent()).includes(Q_NEW), 'the row names the item by its title');
			assert(!/版本\s*\d/.test(await page.textContent('#tab-history')), 'no revision numbers');
			assert(await page.locator('#history-body .restore').count() === 0, 'no whole-base restore');
			await row.locator('.item-history').click();
			await see('#ihist[open]');
			await see('#ihist-title', Q_NEW);
			const first = page.locator('#ihist-list > li').first();
			assert((await first.textContent()).includes('删除了这个条目'), 'the delete comes first');
			assert(await first.locator('.restore-item').count() === 0, 'no restore on the current state');
			await page.locator('#ihist-list > li .restore-item').first().click();
			await confirm(true);
			await see('#flash', '已恢复');
			assert(await getItem(newId), 'restored on the server');
			const fax = await getItem('contact-fax');
			assert(fax.priority === 7, `the later edit of another item stays (priority ${fax.priority})`);
			await see('#ihist-list > li.current', '现在使用的');
			await page.click('#ihist-close');
		});

		await t('an item\'s history shows what changed: keywords added, the reply diffed, a restore of one version', async () => {
			await openItem('contact', '电话');
			const before = await getItem('contact');
			const edited = { ...before, reply: { type: 'text', content: before.reply.content.replace('87841022', '87841099') } };
			delete edited.revision;
			delete edited.expired;
			assert((await http('PUT', '/api/kb/items/contact', edited, before.revision)).status === 200, 'edit the reply');
			await openItem('contact', '电话');
			await page.click('#item-history-btn');
			await see('#ihist[open]');
			await see('#ihist-title', '街道党政办公室联系方式');
			const top = page.locator('#ihist-list > li').first();
			assert(await top.locator('.restore-item').count() === 0, 'no restore on the current version');
			await see('#ihist-list .reply-changed del', '22');
			await see('#ihist-list .reply-changed ins', '99');
			await see('#ihist-list .kw-added', NEW_KW);
			await page.screenshot({ path: path.join(outDir, 'admin-history.png') });
			// Back to the version before the reply changed.
			await page.locator('#ihist-list > li').nth(1).locator('.restore-item').click();
			await confirm(true);
			await see('#flash', '已恢复');
			const now = await getItem('contact');
			assert(now.reply.content.includes('87841022'), 'the old reply is back');
			assert(now.revision > before.revision, 'as a new revision');
			assert(now.keywords.includes(NEW_KW), 'the keywords of that version');
			await see('#ihist-list > li.current', '恢复成');
			await page.click('#ihist-close');
			await see('#preview .bubble.bot', PHONE_NO);
		});

		await t('statistics: a period, the answer-rate trend, the top unanswered questions, a Chinese CSV', async () => {
			await openTab('stats');
			await see('#days-body tr');
			await see('#hits-body tr');
			assert(await page.isHidden('#stats-error'), await page.textContent('#stats-error'));
			await see('#stats-summary', '最近 30 天共');
			await page.selectOption('#stats-period', 'all');
			await see('#stats-summary', '全部共');
			assert(await page.locator('#trend-chart svg .trend-point').count() >= 1, 'a point per week');
			await page.selectOption('#trend-by', 'month');
			const key = await page.getAttribute('#trend-chart svg .trend-point', 'data-key');
			assert(/^\d{4}-\d{2}$/.test(key), `a point per month: ${key}`);
			await see(`#top-unanswered .bar-row[data-q="${Q_ADD}"]`);
			await gone(`#top-unanswered .bar-row[data-q="${Q_NEW}"]`, undefined, 'an answered question is not charted');
			await gone(`#top-unanswered .bar-row[data-q="${Q_SKIP}"]`, undefined, 'a handled question is not charted');
			await page.screenshot({ path: path.join(outDir, 'admin-stats.png'), fullPage: true });
			const month = await page.inputValue('#export-month');
			const [dl] = await Promise.all([
				page.waitForEvent('download', { timeout: WAIT }),
				page.click('#export-btn'),
			]);
			assert(dl.suggestedFilename() === `wxkb-${month}.csv`, dl.suggestedFilename());
			const csv = fs.readFileSync(await dl.path(), 'utf8');
			assert(/^\ufeff?日期,答上,给出建议,未答上,回答率\r\n/.test(csv), `CSV header: ${csv.slice(0, 80)}`);
			const today = new Date().toLocaleDateString('sv-SE', { timeZone: 'Asia/Shanghai' });
			const dates = [...csv.matchAll(/^(\d{4}-\d{2}-\d{2}),/gm)].map((m) => m[1]);
			assert(dates.length > 0 && dates.every((d) => d <= today) && dates.includes(today),
			    `days up to today (${today}) only: ${dates[0]} .. ${dates[dates.length - 1]}`);
			assert(csv.includes('\r\n合计,'), 'a 合计 row');
		});

		// What the fake WeChat API was asked, one JSON object a line.
		const fakeLog = () => (process.env.WXKB_FAKE_LOG ?
		    fs.readFileSync(process.env.WXKB_FAKE_LOG, 'utf8').split('\n')
			.filter(Boolean).map((l) => JSON.parse(l)) : []);
		const calls = (p) => fakeLog().filter((c) => c.path === `/cgi-bin/${p}`);
		const fake = async (rule) => {
			const r = await fetch(`${process.env.WXKB_FAKE_API}/control`, {
				method: 'POST', body: JSON.stringify(rule),
				signal: AbortSignal.timeout(WAIT),
			});
			assert(r.ok, `fake API control: ${r.status}`);
		};
		const pushEnded = () => page.waitForFunction(() =>
		    /\b(ok|err)\b/.test(document.getElementById('push-result').className),
		null, { timeout: 60000 });
		const stepState = (k) => page.getAttribute(`#push-steps li[data-step="${k}"]`, 'data-state');
		const haveFake = Boolean(process.env.WXKB_FAKE_API && process.env.WXKB_FAKE_LOG);
		const noFake = { skip: 'no fake WeChat API (tests/integration/browser.sh starts one)' };
		const PUSH_TITLE = '王哥庄街道2020年政府信息公开工作年度报告';

		await t('push: the page checks the article first (title, cover, 微信号), in Chinese', async () => {
			await openTab('push');
			await page.fill('#p-title', '');
			await page.fill('#p-content', '');
			await page.click('#push-draft');
			await see('#push-result li', '请填写标题');
			await see('#push-result li', '请选择封面图片');
			await page.setInputFiles('#p-cover', {
				name: 'cover.jpg', mimeType: 'image/jpeg', buffer: Buffer.from('not an image at all'),
			});
			await see('#p-cover-error', '不是 JPG');
			assert(await page.isHidden('#p-cover-box'), 'no preview of a bad file');
			await page.fill('#p-title', PUSH_TITLE);
			await page.fill('#p-content', '<p>报告全文见崂山政务网。</p>');
			await page.selectOption('#p-preview-kind', 'wxname');
			await page.fill('#p-preview-to', '微信号');
			await page.click('#push-preview');
			await see('#push-result li', '微信号是 6 到 20 个');
		});

		await t('push: a cover image is picked and previewed before sending', async () => {
			if (!process.env.COVER)
				return { skip: 'no COVER image given' };
			await page.setInputFiles('#p-cover', process.env.COVER);
			await see('#p-cover-box');
			await page.waitForFunction(() => document.getElementById('p-cover-img').naturalWidth > 0,
			    null, { timeout: WAIT });
			assert(await page.isHidden('#p-cover-error'), 'no error');
			await see('#p-cover-info', '8×8');
		});

		await t('push: a preview to a 微信号 uploads the cover, saves the draft and sends it, step by step', async () => {
			if (!haveFake || !process.env.COVER)
				return noFake;
			await page.fill('#p-preview-to', 'wxkb_tester01');
			await page.click('#push-preview');
			await pushEnded();
			const text = await page.textContent('#push-result');
			assert(/发送预览成功/.test(text), text);
			for (const k of ['thumb', 'draft', 'preview'])
				assert(await stepState(k) === 'done', `${k}: ${await stepState(k)}`);
			const up = calls('material/add_material');
			assert(up.length === 1, `add_material called ${up.length} times`);
			const drafts = calls('draft/add');
			assert(drafts.length === 1 && drafts[0].body.articles[0].title === PUSH_TITLE,
			    'draft/add with the title');
			assert(drafts[0].body.articles[0].thumb_media_id, 'the draft names the cover');
			const pv = calls('message/mass/preview');
			assert(pv.length === 1 && pv[0].body.towxname === 'wxkb_tester01' && !pv[0].body.touser,
			    `preview to the 微信号: ${JSON.stringify(pv[0] && pv[0].body)}`);
			assert(/^DRAFT_/.test(pv[0].body.mpnews.media_id), 'the preview names the draft');
		});

		await t('push: publish shows the steps while WeChat publishes, then the article link; nothing twice', async () => {
			if (!haveFake || !process.env.COVER)
				return noFake;
			await page.click('#push-publish');
			await confirm(true);
			// The fake answers "still publishing" once: the page shows it.
			await page.waitForFunction(() => {
				const li = document.querySelector('#push-steps li[data-step="publish"]');
				return li && li.dataset.state === 'running';
			}, null, { timeout: 20000 });
			await pushEnded();
			const text = await page.textContent('#push-result');
			assert(/发布成功/.test(text), text);
			assert(await stepState('thumb') === 'skipped', 'the cover was not uploaded again');
			assert(await stepState('draft') === 'skipped', 'the draft was not saved again');
			assert(await stepState('publish') === 'done', 'published');
			await see('#push-result a[href^="https://mp.weixin.qq.com/s/"]');
			assert(calls('material/add_material').length === 1, 'one upload in all');
			assert(calls('draft/add').length === 1, 'one draft in all');
			assert(calls('freepublish/submit').length === 1, 'one submit');
			assert(calls('freepublish/get').length >= 2, 'polled until published');
			await page.screenshot({ path: path.join(outDir, 'admin-push.png'), fullPage: true });
		});

		await t('push: a refused mass send is explained in Chinese, with the step that failed', async () => {
			if (!haveFake || !process.env.COVER)
				return noFake;
			await page.click('#push-mass');
			await see('#confirm-text', '每天只能群发 1 次');
			await confirm(false);
			assert(calls('message/mass/sendall').length === 0, 'nothing sent after cancel');
			await fake({ fail: 45028, path: '/cgi-bin/message/mass/sendall' });
			try {
				await page.click('#push-mass');
				await confirm(true);
				await pushEnded();
			} finally {
				await fake({ clear: true });
			}
			const text = await page.textContent('#push-result');
			assert(/群发失败：群发次数已用完/.test(text), text);
			assert(/45028/.test(text), 'the errcode is shown');
			assert(!/[A-Za-z]{4,}/.test(text.replace(/https?:\S+/g, '')), `no English: ${text}`);
			assert(await stepState('mass_send') === 'failed', 'the failed step is marked');
			assert(await stepState('publish') === 'skipped', 'publishing was not repeated');
		});

		await t('menu: the preview shows the short names; a name WeChat would cut is named, fixed from the page', async () => {
			await openTab('push');
			await see('#menu-preview .menu-top .menu-name', '信息公开');
			await see('#menu-preview .menu-sub .menu-name', '联系我们');
			await see('#menu-preview .menu-sub .menu-item', '街道党政办公室联系方式');
			assert(!await page.isDisabled('#menu-sync'), 'a good menu can be synced');
			// Without its short name the contact item's title is too long.
			const cur = await getItem('contact');
			const bare = { ...cur };
			delete bare.menu_name;
			delete bare.revision;
			delete bare.expired;
			assert((await http('PUT', '/api/kb/items/contact', bare, cur.revision)).status === 200, 'drop menu_name');
			await page.click('#menu-refresh');
			await see('#menu-problems li', '街道党政办公室联系方式');
			const text = await page.textContent('#menu-problems');
			assert(/二级菜单|这一级菜单微信只显示 8 个字/.test(text) && /菜单名/.test(text), text);
			assert(!/[A-Za-z]{4,}/.test(text), `no English: ${text}`);
			assert(await page.isDisabled('#menu-sync'), 'no sync of a menu WeChat would cut');
			await page.click('#menu-problems li button');
			await page.waitForFunction(() => document.getElementById('f-id').value === 'contact' &&
			    !document.getElementById('editor').hidden, null, { timeout: WAIT });
			await page.click('#advanced summary');
			await page.fill('#f-menu-name', '街道党政办公室电话');
			await page.click('#save');
			await see('#editor-errors', '二级菜单微信只显示 8 个字');
			await page.fill('#f-menu-name', '联系我们');
			await page.click('#save');
			await see('#save-status', '已保存');
			assert((await getItem('contact')).menu_name === '联系我们', 'menu_name saved');
			await openTab('push');
			await see('#menu-preview .menu-sub .menu-name', '联系我们');
			assert(await page.isHidden('#menu-problems'), 'no problem left');
		});

		await t('menu sync: sent after a confirmation, the live menu shown as the result', async () => {
			if (!haveFake)
				return noFake;
			await openTab('push');
			await see('#menu-preview .menu-top');
			await page.click('#menu-sync');
			await confirm(true);
			await page.waitForFunction(() => /\b(ok|err)\b/.test(document.getElementById('menu-result').className),
			    null, { timeout: 60000 });
			const text = await page.textContent('#menu-result');
			assert(/菜单已同步/.test(text), text);
			await see('#menu-result .menu-sub .menu-name', '联系我们');
			const made = calls('menu/create');
			assert(made.length === 1, `menu/create ${made.length} times`);
			const names = JSON.stringify(made[0].body);
			assert(names.includes('联系我们') && !names.includes('街道党政办公室联系方式'), names);
			await page.screenshot({ path: path.join(outDir, 'admin-menu.png') });
		});

		await t('欢迎语: edited in the page with the bubble, saved, and a new follower gets it', async () => {
			const WELCOME = '欢迎关注山海小王哥庄！发送“电话”可查街道党政办公室联系方式。';
			await openTab('settings');
			await page.waitForFunction(() => document.getElementById('s-welcome').value !== '', null, { timeout: WAIT });
			await page.fill('#s-welcome', WELCOME);
			await see('#s-welcome-preview .bubble.bot', '发送“电话”');
			// Someone else saves the fallback meanwhile: ours is kept.
			const kb = (await http('GET', '/api/kb')).json;
			const theirs = { type: 'text', content: `${kb.fallback.content}（对方改过）` };
			assert((await http('PUT', '/api/kb', { fallback: theirs }, kb.revision)).status === 200, 'their save');
			await page.click('#settings-save');
			await see('#settings-error', '别人保存了新的内容');
			assert(await page.inputValue('#s-welcome') === WELCOME, 'our edit kept');
			await page.click('#settings-save');
			await see('#settings-status', '已保存');
			const now = (await http('GET', '/api/kb')).json;
			assert(now.welcome.content === WELCOME, `welcome saved: ${now.welcome.content}`);
			assert(now.fallback.content === theirs.content, `their fallback, not edited here, stays: ${JSON.stringify(now.fallback)} vs ${JSON.stringify(theirs)}`);
			await page.screenshot({ path: path.join(outDir, 'admin-welcome.png') });
			if (ctl && conf) {
				const r = spawnSync(ctl, ['--config', conf, 'simulate', '--event', 'subscribe'],
				    { encoding: 'utf8', timeout: 20000 });
				assert(`${r.stdout}`.includes('发送“电话”可查'), `a new follower gets it: ${r.stdout}${r.stderr}`);
			}
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
			await openAdvanced();
			await page.fill('#login-token', token);
			await page.click('#login-submit');
			await see('#app');
			assert(await page.inputValue('#f-title') === `${title}（草稿）`, `draft kept: ${await page.inputValue('#f-title')}`);
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

		await t('phone width: every tab fits the screen, its buttons in reach (screenshots kept)', async () => {
			await page.setViewportSize({ width: 390, height: 844 });
			try {
				const tabs = {
					unanswered: '#unanswered-body tr .add-existing',
					stats: '#stats-refresh',
					history: '#history-body .item-history',
					push: '#push-preview',
					settings: '#settings-save',
				};
				for (const [tab, button] of Object.entries(tabs)) {
					await openTab(tab);
					await see(button);
					const [sw, iw] = await page.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
					assert(sw <= iw, `${tab}: scrollWidth ${sw} > ${iw}`);
					const box = await page.locator(button).first().boundingBox();
					assert(box && box.x >= 0 && box.x + box.width <= iw, `${tab}: ${button} on screen`);
					await page.screenshot({ path: path.join(outDir, `admin-${tab}-phone.png`), fullPage: true });
				}
				// The item history dialog on a phone.
				await openTab('history');
				await page.locator('#history-body .item-history').first().click();
				await see('#ihist[open]');
				const d = await page.locator('#ihist').boundingBox();
				assert(d && d.x >= 0 && d.x + d.width <= 390, 'the history dialog fits');
				await page.screenshot({ path: path.join(outDir, 'admin-history-phone.png') });
				await page.click('#ihist-close');
			} finally {
				await page.setViewportSize({ width: 1366, height: 900 });
			}
		});

		await t('sign out forgets the token; a reload asks again', async () => {
			await page.click('#logout');
			await see('#login');
			assert(await page.evaluate(() => sessionStorage.getItem('wxkb.adminToken')) === null, 'forgotten');
			await page.reload({ waitUntil: 'load' });
			await see('#login-form');
			assert(await page.isHidden('#app'), 'still signed out');
		});

		if (ctl && conf) {
			const staff = '王芳';
			const pw = 'wangfang-browser-2020';
			await t('a member of staff signs in by name and password, and is shown', async () => {
				const r = spawnSync(ctl, ['--config', conf, 'user', 'add', staff],
				    { input: `${pw}\n`, encoding: 'utf8', timeout: 20000 });
				assert(r.status === 0, `wxkbctl user add: ${r.stderr}`);
				await page.fill('#login-name', staff);
				await page.fill('#login-password', 'not-her-password');
				await page.click('#login-submit');
				await see('#login-error', '用户名或密码不对');
				await page.fill('#login-password', pw);
				await page.click('#login-submit');
				await see('#app');
				await see('#who-name', `${staff}（编辑）`);
				await openTab('push');
				await see('#push-role-note', '发布员');
				await openTab('items');
				const kept = await page.evaluate(() => [sessionStorage.getItem('wxkb.adminToken'), document.cookie]);
				assert(kept[0] === null, 'no token kept');
				assert(kept[1] === '', 'the session cookie is out of the page\'s reach (HttpOnly)');
			});

			await t('her change is saved and the history names her', async () => {
				await openItem('contact', '电话');
				await addChip('党政办座机');
				await page.click('#save');
				await see('#save-status', '已保存');
				assert((await getItem('contact')).keywords.includes('党政办座机'), 'saved');
				await openTab('history');
				await see('#history-body tr[data-item="contact"] .hist-by', staff);
				await page.locator('#history-body tr[data-item="contact"] .item-history').first().click();
				await see('#ihist[open]');
				await see('#ihist-list li', staff);
				await page.click('#ihist-close');
			});

			await t('a reload keeps her signed in; sign out ends the session', async () => {
				await page.reload({ waitUntil: 'load' });
				await see('#who-name', staff);
				await page.click('#logout');
				await see('#login');
				await page.reload({ waitUntil: 'load' });
				await see('#login-form');
				assert(await page.isHidden('#app'), 'still signed out');
			});
		}

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
