/*
 * test_wx_sig — WeChat SHA-1 signatures against the vectors of the
 * protocol doc (§4.1–§4.5).  The only digests written here are the doc's;
 * everything else is checked by relation (order, concatenation).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "handlers/callback/wx_sig.h"

#define MAXPARTS	4

struct sig_vec {
	const char	*name;
	const char	*parts[MAXPARTS];
	size_t		 n;
	const char	*concat;	/* sorted input as the doc prints it */
	const char	*sig;
};

/* Encrypt texts of §4.1, §4.2 (a, b), §4.3 and §4.4. */
#define ENC_A "hyzAe4OzmOMbd6TvGdIOO6uBmdJoD0Fk53REIHvxYtJlE2B655HuD0m8KUe" \
	"PWB3+LrPXo87wzQ1QLvbeUgmBM4x6F8PGHQHFVAFmOD2LdJF9FrXpbUAh0B5GIItb52" \
	"sn896wVsMSHGuPE328HnRGBcrS7C41IzDWyWNlZkyyXwon8T332jisa+h6tEDYsVtic" \
	"bSnyU8dKOIbgU6ux5VTjg3yt+WGzjlpKn6NPhRjpA912xMezR4kw6KWwMrCVKSVCZci" \
	"VGCgavjIQ6X8tCOp3yZbGpy0VxpAe+77TszTfRd5RJSVO/HTnifJpXgCSUdUue1v6h0" \
	"EIBYYI1BD1DlD+C0CR8e6OewpusjZ4uBl9FyJvnhvQl+q5rv1ixrcpCumEPo5MJSgM9" \
	"ehVsNPfUM669WuMyVWQLCzpu9GhglF2PE="
#define ENC_BA "+qdx1OKCy+5JPCBFWw70tm0fJGb2Jmeia4FCB7kao+/Q5c/ohsOzQHi8khU" \
	"Ob05JCpj0JB4RvQMkUyus8TPxLKJGQqcvZqzDpVzazhZv6JsXUnnR8XGT740XgXZUXQ" \
	"7vJVnAG+tE8NUd4yFyjPy7GgiaviNrlCTj+l5kdfMuFUPpRSrfMZuMcp3Fn2Pede2Iu" \
	"QrKEYwKSqFIZoNqJ4M8EajAsjLY2km32IIjdf8YL/P50F7mStwntrA2cPDrM1kb6mOc" \
	"fBgRtWygb3VIYnSeOBrebufAlr7F9mFUPAJGj04="
#define ENC_BB "ELGduP2YcVatjqIS+eZbp80MNLoAUWvzzyJxgGzxZO/5sAvd070Bs6qrLAR" \
	"C9nVHm48Y4hyRbtzve1L32tmxSQ=="
#define ENC_C "9s4gMv99m88kKTh/H8IdkOiMg6bisoy3ypwy9H4hvSPe9nsGaqyw5hhSjdYb" \
	"crKk+j3nba4HMOTzHrluLBYqxgNcBqGsL8GqxlhZgURnAtObvesEl5nZ+uBE8bviY0L" \
	"Wke8Zy9V/QYKxNV2FqllNXcfmstttyIkMKCCmVbCFM2JTF5wY0nFhHZSjPUL2Q1qvSU" \
	"CUld+/WIXrx0oyKQmpB6o8NRrrNrsDf03oxI1p9FxUgMnwKKZeOA/uu+2IEvEBtb7mu" \
	"XsVbwbgX05UPPJvFurDXafG0RQyPR+mf1nDnAtQmmNOuiR5MIkdQ39xn1vWwi1O5oaz" \
	"PoQJz0nTYjxxEE8kv3kFxtAGVRe3ypD3WeK2XeFYFMNMpatF9XiKzHo3"
#define ENC_D "sgb5GddpmHrIg5cfvxEn3+obvblgELABaZWDUFL4+5hqE51GdrVTtwV6NMFf" \
	"jw9FZyBzzUGTGa6KabZMK8ELFTnVMMZv1tFVjPAjtRVUqypqTyURAX3lvNlaWKNdo8S" \
	"D44UenAmqmUXsCRye5my5VuTYBInty8orrU7QcbF5ko8="

static const struct sig_vec vecs[] = {
	/* §4.5 */
	{ "4.5 official GET", { "AAAAA", "1714036504", "1514711492" }, 3,
	    "15147114921714036504AAAAA",
	    "f464b24fc39322e44b38aa78f5edd27bd1441696" },
	{ "4.5 official POST", { "AAAAA", "1714037059", "486452656" }, 3,
	    "1714037059486452656AAAAA",
	    "899cf89e464efb63f54ddac96b0a0a235f53aa78" },
	{ "4.5 duplicates", { "test", "1410685589", "test" }, 3,
	    "1410685589testtest",
	    "f21891de399b4e33a1a93c9a7b8a8fffb5a443ff" },
	{ "4.5 own", { "mytoken", "1700000000", "123456789" }, 3,
	    "1234567891700000000mytoken",
	    "a70b5d4fa30362248c4a3d9dd3d6828f46539658" },
	/* §4.1 msg_signature */
	{ "4.1 msg_signature",
	    { "spamtest", "1409735669", "1320562132", ENC_A }, 4, NULL,
	    "5d197aaffba7e9b25a30732f161a50dee96bd5fa" },
	/* §4.2 (a) URL signature and msg_signature, (b) reply */
	{ "4.2a signature", { "AAAAA", "1714112445", "415670741" }, 3, NULL,
	    "6c5c811b55cc85e0e1b54100749188c20beb3f5d" },
	{ "4.2a msg_signature",
	    { "AAAAA", "1714112445", "415670741", ENC_BA }, 4, NULL,
	    "046e02f8204d34f8ba5fa3b1db94908f3df2e9b3" },
	{ "4.2b MsgSignature",
	    { "AAAAA", "1713424427", "415670741", ENC_BB }, 4, NULL,
	    "1b9339964ed2e271e7c7b6ff2b0ef902fc94dea1" },
	/* §4.3 */
	{ "4.3 MsgSignature",
	    { "123456", "1411525903", "461056294", ENC_C }, 4, NULL,
	    "407518b7649e86ef23978113f92d27afa9296533" },
	/* §4.4 */
	{ "4.4 msg_signature",
	    { "c0ffee42", "1700000000", "123456789", ENC_D }, 4, NULL,
	    "5a6aa50ac58d4f4eead06a9f27d9f002d9610708" },
	{ "4.4 signature", { "c0ffee42", "1700000000", "123456789" }, 3, NULL,
	    "8e9366161b958d7ca39f54ce549631d4150868ba" },
};
#define NVECS	(sizeof(vecs) / sizeof(vecs[0]))

static void
test_vectors(void **state)
{
	char	out[WX_SIG_HEX_LEN + 1];
	size_t	i;

	(void)state;
	for (i = 0; i < NVECS; i++) {
		memset(out, 'X', sizeof(out));
		wx_sig_compute(vecs[i].parts, vecs[i].n, out);
		assert_string_equal(out, vecs[i].sig);
		assert_int_equal(wx_sig_verify(vecs[i].sig, vecs[i].parts,
		    vecs[i].n), 1);
	}
}

/* The doc also prints the sorted concatenation: hashing it alone agrees. */
static void
test_concat(void **state)
{
	char		 out[WX_SIG_HEX_LEN + 1];
	const char	*one[1];
	size_t		 i, seen = 0;

	(void)state;
	for (i = 0; i < NVECS; i++) {
		if (vecs[i].concat == NULL)
			continue;
		one[0] = vecs[i].concat;
		wx_sig_compute(one, 1, out);
		assert_string_equal(out, vecs[i].sig);
		seen++;
	}
	assert_int_equal(seen, 4);
}

/* Every order of the same parts gives the same signature. */
static void
test_order_independent(void **state)
{
	/* All permutations of up to 4 items as index lists. */
	static const unsigned char	perm4[24][4] = {
		{0,1,2,3},{0,1,3,2},{0,2,1,3},{0,2,3,1},{0,3,1,2},{0,3,2,1},
		{1,0,2,3},{1,0,3,2},{1,2,0,3},{1,2,3,0},{1,3,0,2},{1,3,2,0},
		{2,0,1,3},{2,0,3,1},{2,1,0,3},{2,1,3,0},{2,3,0,1},{2,3,1,0},
		{3,0,1,2},{3,0,2,1},{3,1,0,2},{3,1,2,0},{3,2,0,1},{3,2,1,0},
	};
	const char	*p[MAXPARTS];
	char		 out[WX_SIG_HEX_LEN + 1];
	size_t		 i, k, j, m;

	(void)state;
	for (i = 0; i < NVECS; i++) {
		for (k = 0; k < 24; k++) {
			m = 0;
			for (j = 0; j < MAXPARTS; j++) {
				if (perm4[k][j] < vecs[i].n)
					p[m++] = vecs[i].parts[perm4[k][j]];
			}
			assert_int_equal(m, vecs[i].n);
			wx_sig_compute(p, m, out);
			assert_string_equal(out, vecs[i].sig);
			assert_int_equal(wx_sig_verify(vecs[i].sig, p, m), 1);
		}
	}
}

/* "test" twice is hashed twice: dropping the duplicate changes it. */
static void
test_duplicates_kept(void **state)
{
	const char	*two[] = { "1410685589", "test" };
	const char	*three[] = { "test", "test", "1410685589" };
	char		 out[WX_SIG_HEX_LEN + 1];

	(void)state;
	wx_sig_compute(three, 3, out);
	assert_string_equal(out, "f21891de399b4e33a1a93c9a7b8a8fffb5a443ff");
	wx_sig_compute(two, 2, out);
	assert_string_not_equal(out,
	    "f21891de399b4e33a1a93c9a7b8a8fffb5a443ff");
}

/*
 * Byte-wise order, bytes unsigned: '+' < digits < 'A' < 'a' < 0xE4 (the
 * first byte of a CJK character).  Checked against the concatenation.
 */
static void
test_bytewise_sort(void **state)
{
	const char	*parts[] = { "\xe4\xbd\xa0", "z", "Z", "+", "5", "" };
	const char	*sorted[] = { "+5Zz\xe4\xbd\xa0" };
	const char	*wrong[] = { "\xe4\xbd\xa0+5Zz" };
	char		 a[WX_SIG_HEX_LEN + 1], b[WX_SIG_HEX_LEN + 1];

	(void)state;
	wx_sig_compute(parts, 6, a);
	wx_sig_compute(sorted, 1, b);
	assert_string_equal(a, b);
	wx_sig_compute(wrong, 1, b);
	assert_string_not_equal(a, b);
}

/* Eight parts, the documented maximum, equal their sorted concatenation. */
static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void
test_eight_parts(void **state)
{
	const char	*parts[8] = { "nonce", "Token", "1700000000", "b",
			    "a", "b", "+x/y=", "\xff" };
	const char	*copy[8];
	const char	*one[1];
	char		 cat[128], a[WX_SIG_HEX_LEN + 1];
	char		 b[WX_SIG_HEX_LEN + 1];
	size_t		 i;

	(void)state;
	memcpy(copy, parts, sizeof(copy));
	qsort(copy, 8, sizeof(copy[0]), cmp_str);
	cat[0] = '\0';
	for (i = 0; i < 8; i++)
		strcat(cat, copy[i]);
	one[0] = cat;
	wx_sig_compute(parts, 8, a);
	wx_sig_compute(one, 1, b);
	assert_string_equal(a, b);
	assert_int_equal(strlen(a), WX_SIG_HEX_LEN);
}

static void
test_verify_rejects(void **state)
{
	const struct sig_vec	*v = &vecs[0];
	const char		*digits = "0123456789abcdef";
	char			 buf[64];
	size_t			 i;
	const char		*d;

	(void)state;
	assert_int_equal(wx_sig_verify(NULL, v->parts, v->n), 0);
	assert_int_equal(wx_sig_verify(v->sig, NULL, v->n), 0);
	assert_int_equal(wx_sig_verify("", v->parts, v->n), 0);

	/* Missing or extra characters. */
	memcpy(buf, v->sig, WX_SIG_HEX_LEN - 1);
	buf[WX_SIG_HEX_LEN - 1] = '\0';
	assert_int_equal(wx_sig_verify(buf, v->parts, v->n), 0);
	snprintf(buf, sizeof(buf), "%s0", v->sig);
	assert_int_equal(wx_sig_verify(buf, v->parts, v->n), 0);
	snprintf(buf, sizeof(buf), " %s", v->sig);
	assert_int_equal(wx_sig_verify(buf, v->parts, v->n), 0);

	/* Upper case is not the signature, though it names the same hash. */
	for (i = 0; i < WX_SIG_HEX_LEN; i++)
		buf[i] = (char)(v->sig[i] >= 'a' ? v->sig[i] - 32 : v->sig[i]);
	buf[WX_SIG_HEX_LEN] = '\0';
	assert_string_not_equal(buf, v->sig);
	assert_int_equal(wx_sig_verify(buf, v->parts, v->n), 0);

	/* Every position, every other hex digit. */
	for (i = 0; i < WX_SIG_HEX_LEN; i++) {
		for (d = digits; *d != '\0'; d++) {
			strcpy(buf, v->sig);
			if (buf[i] == *d)
				continue;
			buf[i] = *d;
			assert_int_equal(wx_sig_verify(buf, v->parts, v->n),
			    0);
		}
	}

	/* The URL signature does not verify the ciphertext (§9 pitfall 1). */
	assert_int_equal(wx_sig_verify(vecs[5].sig, vecs[6].parts,
	    vecs[6].n), 0);
	/* Nor does it with one part dropped. */
	assert_int_equal(wx_sig_verify(v->sig, v->parts, v->n - 1), 0);
}

static void
test_equal(void **state)
{
	unsigned char	a[64], b[64];
	size_t		i;

	(void)state;
	for (i = 0; i < sizeof(a); i++)
		a[i] = b[i] = (unsigned char)(i * 7 + 1);
	assert_int_equal(wx_sig_equal(a, b, sizeof(a)), 1);
	assert_int_equal(wx_sig_equal(a, b, 0), 1);
	for (i = 0; i < sizeof(a); i++) {
		b[i] ^= 0x80;
		assert_int_equal(wx_sig_equal(a, b, sizeof(a)), 0);
		assert_int_equal(wx_sig_equal(a, b, i), 1);
		b[i] ^= 0x80 | 0x01;
		assert_int_equal(wx_sig_equal(a, b, sizeof(a)), 0);
		b[i] ^= 0x01;
	}
	assert_int_equal(wx_sig_equal(a, b, sizeof(a)), 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vectors),
		cmocka_unit_test(test_concat),
		cmocka_unit_test(test_order_independent),
		cmocka_unit_test(test_duplicates_kept),
		cmocka_unit_test(test_bytewise_sort),
		cmocka_unit_test(test_eight_parts),
		cmocka_unit_test(test_verify_rejects),
		cmocka_unit_test(test_equal),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
