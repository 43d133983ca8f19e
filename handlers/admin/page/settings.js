// The 欢迎语 tab: the welcome and fallback replies.
// One of the admin page's scripts; index.html loads them in order and
// they share one scope (see app.js).
'use strict';

// ---------------------------------------------------------------- welcome, fallback

const SETTINGS = [
	['welcome', 's-welcome', '（关注了公众号）'],
	['fallback', 's-fallback', '居民发来的一句话'],
];
// As the server last gave them: {revision, welcome, fallback}.
let settingsBase = null;

// The settings as the form holds them: only text replies are edited
// here, the others are sent back as they were.
function readSettings() {
	const out = {};
	for (const [k, id] of SETTINGS) {
		const b = settingsBase ? settingsBase[k] : null;
		out[k] = textReply(b) || !b ? { type: 'text', content: $(id).value } : clone(b);
	}
	return out;
}

function settingsDirty() {
	return settingsBase !== null && !$('tab-settings').hidden &&
	    JSON.stringify(readSettings()) !== settingsBase.snapshot;
}

function renderSettingsPreview() {
	const cur = readSettings();
	for (const [k, id, q] of SETTINGS)
		clear($(`${id}-preview`)).append(chat(q, cur[k]));
}

function fillSettings(info) {
	settingsBase = { revision: info.revision, welcome: info.welcome, fallback: info.fallback };
	for (const [k, id] of SETTINGS) {
		const r = info[k];
		const editable = textReply(r) || !r;
		show($(id), editable);
		show($(`${id}-readonly`), !editable);
		$(id).value = editable && r && typeof r.content === 'string' ? r.content : '';
		if (!editable)
			$(`${id}-readonly`).querySelector('pre').textContent =
			    `这是“${REPLY_TYPE_TEXT[r.type] || r.type}”类型的回复，只能在知识库文件里修改：\n${replySummary(r)}`;
	}
	settingsBase.snapshot = JSON.stringify(readSettings());
	renderSettingsPreview();
}

async function loadSettings() {
	if (settingsDirty())
		return;		// keep the edit in progress
	setMsg($('settings-error'), '');
	$('settings-status').textContent = '';
	try {
		fillSettings(await api('GET', '/api/kb'));
	} catch (e) {
		report(e, $('settings-error'));
	}
}

for (const [, id] of SETTINGS)
	$(id).addEventListener('input', renderSettingsPreview);

$('settings-form').addEventListener('submit', async (ev) => {
	ev.preventDefault();
	setMsg($('settings-error'), '');
	// Only what was changed here: another person's change to the
	// other one stays.
	const form = readSettings();
	const was = JSON.parse(settingsBase.snapshot);
	const body = {};
	for (const [k] of SETTINGS) {
		if (JSON.stringify(form[k]) === JSON.stringify(was[k]))
			continue;
		if (form[k].type === 'text' && form[k].content.trim() === '') {
			setMsg($('settings-error'), `${FIELD_TEXT[k]}不能为空。`);
			return;
		}
		body[k] = form[k];
	}
	if (Object.keys(body).length === 0) {
		$('settings-status').className = 'status';
		$('settings-status').textContent = '没有修改。';
		return;
	}
	$('settings-save').disabled = true;
	try {
		const r = await api('PUT', '/api/kb', { body, ifMatch: settingsBase.revision });
		if (r && r.revision !== undefined)
			state.kbRevision = r.revision;
		fillSettings(await api('GET', '/api/kb'));
		$('settings-status').className = 'status ok';
		$('settings-status').textContent = '已保存，居民现在就会收到新的内容。';
		flash('已保存欢迎语和兜底回复。');
		refreshKbInfo();
	} catch (e) {
		if (e instanceof ApiError && e.status === 412 && e.body && e.body.current) {
			// Keep ours in the form; the next save overwrites theirs.
			const cur = e.body.current;
			settingsBase.revision = cur.revision;
			setMsg($('settings-error'), `你打开之后，别人保存了新的内容。你的修改还在，没有保存。对方保存的欢迎语是：“${replySummary(cur.welcome)}”，兜底回复是：“${replySummary(cur.fallback)}”。再点“保存”会用你改过的内容覆盖对方的（你没改的那一项保留对方的）。`);
		} else {
			report(e, $('settings-error'));
		}
	} finally {
		$('settings-save').disabled = false;
	}
});

$('settings-revert').addEventListener('click', async () => {
	if (!settingsDirty() || !await confirmBox('放弃对欢迎语和兜底回复的修改吗？', '放弃修改'))
		return;
	settingsBase = null;
	await loadSettings();
});
