// The 条目 tab: saving and deleting an item, and a write that met
// another one (the conflict dialog).
// One of the admin page's scripts; index.html loads them in order and
// they share one scope (see app.js).
'use strict';

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
		$('save-status').textContent = '已保存，居民现在就能收到新的回答。';
		$('save-status').className = 'status ok';
		const warned = r && Array.isArray(r.warnings) ?
		    r.warnings.map(zhDetail).filter(Boolean) : [];
		if (warned.length)
			flash(`已保存“${saved.title}”，但请留意：${warned.join('；')}`, 'warn');
		else
			flash(`已保存“${saved.title}”。`);
	} catch (e) {
		$('save-status').textContent = '';
		if (e instanceof ApiError && e.status === 412) {
			showConflict(it, e.body ? e.body.current : undefined);
		} else if (e instanceof ApiError && e.status === 422) {
			showErrors(e.message, e.body && e.body.details);
		} else if (e instanceof ApiError && e.status === 409) {
			$('advanced').open = true;
			showErrors('编号已被另一个条目使用，请在“高级设置”里换一个，或清空让系统自动生成。', []);
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
	if (!await confirmBox(`确定删除条目“${it.title}”吗？删除后居民将不再收到这个回答。需要时可以在“历史”里恢复。`, '删除'))
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
	['menu_name', '菜单名', (v) => v || ''],
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
		$('conflict-theirs-head').textContent = '对方保存的版本';
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
