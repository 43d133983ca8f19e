// An implementation of the WeChat side that is not ours: the npm package
// wechat-crypto (node-webot) signs, encrypts and decrypts; node's http
// talks to wxkbd.  Prints TAP lines "ok N - ..." / "not ok N - ...".
//
// usage: node wechat_peer.js URL TOKEN AES_KEY APPID MODE QUESTION EXPECT
//   MODE is plain, compat or safe; EXPECT a substring the reply must hold.
'use strict';
const http = require('http');
const crypto = require('crypto');
const WXBizMsgCrypt = require('wechat-crypto');

const [url, token, aesKey, appid, mode, question, expect] =
    process.argv.slice(2);
const wx = new WXBizMsgCrypt(token, aesKey, appid);
let n = 0;
let failed = 0;

function tap(ok, what) {
  n++;
  if (!ok) failed++;
  console.log(`${ok ? 'ok' : 'not ok'} ${n} - ${mode}: ${what}`);
}

function sign(...parts) {
  return crypto.createHash('sha1').update(parts.sort().join('')).digest('hex');
}

function request(method, path, body) {
  return new Promise((resolve, reject) => {
    const req = http.request(url + path, { method, timeout: 5000 }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode,
        body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

function field(xml, name) {
  const m = xml.match(new RegExp(`<${name}>(?:<!\\[CDATA\\[([\\s\\S]*?)\\]\\]>|([^<]*))</${name}>`));
  return m ? (m[1] !== undefined ? m[1] : m[2]) : null;
}

async function main() {
  const ts = String(Math.floor(Date.now() / 1000));
  const nonce = String(crypto.randomInt(1e9));
  const signature = sign(token, ts, nonce);

  const echostr = String(crypto.randomInt(1e12));
  const v = await request('GET', `?signature=${signature}&timestamp=${ts}` +
      `&nonce=${nonce}&echostr=${echostr}`);
  tap(v.status === 200 && v.body === echostr, 'URL verification echoes echostr');

  const openid = 'oInterop' + crypto.randomBytes(8).toString('hex');
  const msgId = String(BigInt.asUintN(63, crypto.randomBytes(8).readBigUInt64BE()));
  const inner = `<xml><ToUserName><![CDATA[gh_interop000]]></ToUserName>` +
      `<FromUserName><![CDATA[${openid}]]></FromUserName>` +
      `<CreateTime>${ts}</CreateTime><MsgType><![CDATA[text]]></MsgType>` +
      `<Content><![CDATA[${question}]]></Content><MsgId>${msgId}</MsgId></xml>`;
  let body = inner;
  let query = `?signature=${signature}&timestamp=${ts}&nonce=${nonce}&openid=${openid}`;
  if (mode !== 'plain') {
    const enc = wx.encrypt(inner);
    const msgSig = wx.getSignature(ts, nonce, enc);
    body = mode === 'safe'
      ? `<xml><ToUserName><![CDATA[gh_interop000]]></ToUserName><Encrypt><![CDATA[${enc}]]></Encrypt></xml>`
      : inner.replace('</xml>', `<Encrypt><![CDATA[${enc}]]></Encrypt></xml>`);
    query += `&encrypt_type=aes&msg_signature=${msgSig}`;
  }
  const r = await request('POST', query, body);
  tap(r.status === 200, `message answered with HTTP 200 (got ${r.status})`);
  let reply = r.body;
  if (mode !== 'plain') {
    const enc = field(r.body, 'Encrypt');
    const ms = field(r.body, 'MsgSignature');
    const rts = field(r.body, 'TimeStamp');
    const rnonce = field(r.body, 'Nonce');
    tap(enc && ms && rts && rnonce, 'reply is an encrypted envelope');
    tap(enc && wx.getSignature(rts, rnonce, enc) === ms,
        'reply MsgSignature verifies');
    let dec = { message: '', id: '' };
    try { dec = wx.decrypt(enc || ''); } catch (e) { /* counted below */ }
    tap(dec.id === appid, 'reply frame carries our AppID');
    reply = dec.message;
  }
  tap(field(reply, 'ToUserName') === openid &&
      field(reply, 'FromUserName') === 'gh_interop000',
      'reply is addressed back to the sender');
  const content = field(reply, 'Content') || '';
  tap(content.includes(expect), `reply content holds "${expect}"`);

  // WeChat's retry: same message, new timestamp/nonce, same answer.
  const nonce2 = String(crypto.randomInt(1e9));
  let q2 = `?signature=${sign(token, ts, nonce2)}&timestamp=${ts}&nonce=${nonce2}&openid=${openid}`;
  let body2 = inner;
  if (mode !== 'plain') {
    const enc2 = wx.encrypt(inner);
    body2 = mode === 'safe'
      ? `<xml><ToUserName><![CDATA[gh_interop000]]></ToUserName><Encrypt><![CDATA[${enc2}]]></Encrypt></xml>`
      : inner.replace('</xml>', `<Encrypt><![CDATA[${enc2}]]></Encrypt></xml>`);
    q2 += `&encrypt_type=aes&msg_signature=${wx.getSignature(ts, nonce2, enc2)}`;
  }
  const r2 = await request('POST', q2, body2);
  let reply2 = r2.body;
  if (mode !== 'plain') {
    const e2 = field(r2.body, 'Encrypt');
    reply2 = e2 ? wx.decrypt(e2).message : '';
  }
  tap(r2.status === 200 && field(reply2, 'Content') === field(reply, 'Content'),
      'a retry gets the same answer');
}

main().then(() => process.exit(failed ? 1 : 0), (e) => {
  tap(false, `exception: ${e.message}`);
  process.exit(1);
});
