/* k8s/kubeconfig.c — reads a kubeconfig the way kubectl does, for the one context in use.
 *
 * The file is loaded with libyaml's document API (nodes keep their line and column), then the
 * context is resolved: context -> cluster (server, CA, tls-server-name, insecure) and user
 * (client certificate and key, or a bearer token). Only the pieces chaindrill uses are read; other
 * keys are ignored as kubectl ignores them. Every problem is "FILE:LINE:COL: key.path: ...".
 * Credentials from plugins (exec, auth-provider) are refused: chaindrill runs no program to get a
 * token, so a cluster that needs one must be given a kubeconfig with a token or a certificate. */
#include "k8s/k8s.h"

#include "util/bytes.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/yscalar.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <yaml.h>

#define MAX_KUBECONFIG_BYTES ((size_t)4 << 20)
#define MAX_PEM_BYTES ((size_t)1 << 20)
#define MAX_MAP_KEYS 1000
#define MAX_MAP_KEYS_STR "1000"

struct kc_doc {
	const char *file;
	yaml_document_t doc;
};

static int at(const struct kc_doc *d, const yaml_node_t *n, const char *key, const char *fmt,
	      const char *what)
{
	return drill_err(DRILL_EINPUT, "%s:%zu:%zu: %s: %s%s", d->file, n->start_mark.line + 1,
			 n->start_mark.column + 1, key, fmt, what ? what : "");
}

static const char *kind_of(const yaml_node_t *n)
{
	switch (n->type) {
	case YAML_MAPPING_NODE: return "a mapping";
	case YAML_SEQUENCE_NODE: return "a sequence";
	default: return "a scalar";
	}
}

/* The value of `key` in mapping `map`, or NULL. */
static yaml_node_t *map_get(struct kc_doc *d, yaml_node_t *map, const char *key)
{
	if (!map || map->type != YAML_MAPPING_NODE)
		return NULL;
	for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top;
	     p++) {
		yaml_node_t *k = yaml_document_get_node(&d->doc, p->key);
		if (k && k->type == YAML_SCALAR_NODE && !strcmp((char *)k->data.scalar.value, key))
			return yaml_document_get_node(&d->doc, p->value);
	}
	return NULL;
}

static int is_null(const yaml_node_t *n)
{
	if (!n || n->type != YAML_SCALAR_NODE || n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return n == NULL;
	const char *v = (const char *)n->data.scalar.value;
	return !v[0] || !strcmp(v, "~") || !strcmp(v, "null");
}

/* A string field: *out is NULL when absent or null, else the scalar (borrowed). kubectl turns a
 * kubeconfig into JSON with YAML 1.1's resolution (go-yaml v2) before decoding it, so `token: 42`
 * or `name: on` becomes a number or a boolean there and the kubeconfig is refused; chaindrill
 * refuses it too (util/yscalar.h) rather than use a string kubectl would never see. */
static int get_str(struct kc_doc *d, yaml_node_t *map, const char *path, const char *key,
		   const char **out)
{
	yaml_node_t *n = map_get(d, map, key);
	*out = NULL;
	if (is_null(n))
		return 0;
	char where[256];
	snprintf(where, sizeof(where), "%s.%s", path, key);
	if (n->type != YAML_SCALAR_NODE)
		return at(d, n, where, "expected a string, got ", kind_of(n));
	const char *v = (const char *)n->data.scalar.value, *other;
	if (n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE && (other = drill_yaml_plain_type(v))) {
		char why[160];
		snprintf(why, sizeof(why), "%s, which kubectl refuses too (quote it: \"%.60s\")",
			 other, v);
		return at(d, n, where, "expected a string, got ", why);
	}
	*out = v;
	return 0;
}

static int get_bool(struct kc_doc *d, yaml_node_t *map, const char *path, const char *key,
		    int *out)
{
	yaml_node_t *n = map_get(d, map, key);
	*out = 0;
	if (is_null(n))
		return 0;
	char where[256];
	snprintf(where, sizeof(where), "%s.%s", path, key);
	const char *v = n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
	if (v && n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
	    (!strcmp(v, "true") || !strcmp(v, "false"))) {
		*out = v[0] == 't';
		return 0;
	}
	return at(d, n, where, "expected true or false, got ", v ? v : kind_of(n));
}

/* The `inner` mapping of the entry named `name` in the top-level list `list` ("clusters"):
 * kubeconfig lists are [{name: x, cluster: {...}}]. */
static int find_named(struct kc_doc *d, yaml_node_t *root, const char *list, const char *inner,
		      const char *name, yaml_node_t **out, char *path, size_t path_len)
{
	yaml_node_t *seq = map_get(d, root, list);
	*out = NULL;
	if (seq && !is_null(seq) && seq->type != YAML_SEQUENCE_NODE)
		return at(d, seq, list, "expected a sequence, got ", kind_of(seq));
	size_t n = seq && seq->type == YAML_SEQUENCE_NODE
			   ? (size_t)(seq->data.sequence.items.top - seq->data.sequence.items.start)
			   : 0;
	for (size_t i = 0; i < n; i++) {
		yaml_node_t *e = yaml_document_get_node(&d->doc, seq->data.sequence.items.start[i]);
		snprintf(path, path_len, "%s[%zu]", list, i);
		if (e->type != YAML_MAPPING_NODE)
			return at(d, e, path, "expected a mapping, got ", kind_of(e));
		const char *ename;
		if (get_str(d, e, path, "name", &ename) != 0)
			return DRILL_EINPUT;
		if (!ename || strcmp(ename, name))
			continue;
		yaml_node_t *body = map_get(d, e, inner);
		if (!body || is_null(body))
			return at(d, e, path, "no ", inner);
		snprintf(path + strlen(path), path_len - strlen(path), ".%s", inner);
		if (body->type != YAML_MAPPING_NODE)
			return at(d, body, path, "expected a mapping, got ", kind_of(body));
		*out = body;
		return 0;
	}
	return 0;
}

/* Standard base64 with line breaks allowed, as kubectl writes *-data fields. */
static int b64_decode(const char *in, char **out, size_t *out_len)
{
	size_t n = strlen(in);
	unsigned char *buf = drill_xmalloc(n / 4 * 3 + 4);
	EVP_ENCODE_CTX *ctx = EVP_ENCODE_CTX_new();
	int len = 0, fin = 0, ok = ctx != NULL;
	if (ok) {
		EVP_DecodeInit(ctx);
		ok = EVP_DecodeUpdate(ctx, buf, &len, (const unsigned char *)in, (int)n) >= 0 &&
		     EVP_DecodeFinal(ctx, buf + len, &fin) == 1;
	}
	EVP_ENCODE_CTX_free(ctx);
	if (!ok || len + fin == 0) {
		free(buf);
		return DRILL_EINPUT;
	}
	buf[len + fin] = '\0';
	*out = (char *)buf;
	*out_len = (size_t)(len + fin);
	return 0;
}

/* A file the kubeconfig names (certificate, key, token). Only a regular file is read: a FIFO,
 * a terminal or /dev/stdin would block the run waiting for input that never comes. */
static int read_named_file(const char *abs, char **out, size_t *len)
{
	struct stat sb;
	if (stat(abs, &sb) == 0 && !S_ISREG(sb.st_mode))
		return drill_err(DRILL_EINPUT, "%s: not a regular file", abs);
	return drill_fs_read_file(out, len, abs, MAX_PEM_BYTES);
}

/* `key-data` (base64) or `key` (a file beside the kubeconfig): the PEM bytes, or NULL. */
static int get_pem(struct kc_doc *d, yaml_node_t *map, const char *path, const char *key,
		   char **out, size_t *out_len)
{
	char data_key[64];
	snprintf(data_key, sizeof(data_key), "%s-data", key);
	const char *data, *file;
	if (get_str(d, map, path, data_key, &data) != 0 || get_str(d, map, path, key, &file) != 0)
		return DRILL_EINPUT;
	if (data) {
		if (b64_decode(data, out, out_len) == 0)
			return 0;
		yaml_node_t *n = map_get(d, map, data_key);
		return at(d, n, path, data_key, ": not valid base64");
	}
	if (!file)
		return 0;
	char *abs = drill_fs_resolve_beside(d->file, file);
	int rc = read_named_file(abs, out, out_len);
	if (rc != 0) {
		yaml_node_t *n = map_get(d, map, key);
		rc = drill_err_wrap(DRILL_EINPUT, "%s:%zu:%zu: %s.%s", d->file,
				    n->start_mark.line + 1, n->start_mark.column + 1, path, key);
	}
	free(abs);
	return rc;
}

static int load_cluster(struct drill_kubeconfig *kc, struct kc_doc *d, yaml_node_t *c,
			const char *path)
{
	const char *server, *sni;
	if (get_str(d, c, path, "server", &server) != 0 ||
	    get_str(d, c, path, "tls-server-name", &sni) != 0 ||
	    get_bool(d, c, path, "insecure-skip-tls-verify", &kc->insecure) != 0 ||
	    get_pem(d, c, path, "certificate-authority", &kc->ca_pem, &kc->ca_len) != 0)
		return DRILL_EINPUT;
	if (!server)
		return at(d, c, path, "no server", NULL);
	kc->server = drill_xstrdup(server);
	kc->tls_server_name = sni ? drill_xstrdup(sni) : NULL;
	return 0;
}

/* The token file's contents without surrounding whitespace. */
static int read_token_file(struct drill_kubeconfig *kc, struct kc_doc *d, yaml_node_t *u,
			   const char *path, const char *file)
{
	char *abs = drill_fs_resolve_beside(d->file, file), *tok;
	size_t len;
	int rc = read_named_file(abs, &tok, &len);
	if (rc != 0) {
		yaml_node_t *n = map_get(d, u, "tokenFile");
		rc = drill_err_wrap(DRILL_EINPUT, "%s:%zu:%zu: %s.tokenFile", d->file,
				    n->start_mark.line + 1, n->start_mark.column + 1, path);
		free(abs);
		return rc;
	}
	free(abs);
	while (len && strchr(" \t\r\n", tok[len - 1]))
		tok[--len] = '\0';
	size_t lead = strspn(tok, " \t\r\n");
	kc->token = drill_xstrdup(tok + lead);
	free(tok);
	return 0;
}

static int load_user(struct drill_kubeconfig *kc, struct kc_doc *d, yaml_node_t *u,
		     const char *path)
{
	static const char *const refused[] = {"exec", "auth-provider", "username", NULL};
	for (size_t i = 0; refused[i]; i++) {
		yaml_node_t *n = map_get(d, u, refused[i]);
		if (n && !is_null(n))
			return at(d, n, path, refused[i],
				  !strcmp(refused[i], "username")
					  ? ": basic authentication is not supported; use a "
					    "token or a client certificate"
					  : ": credential plugins are not supported (chaindrill "
					    "runs no program to get a token); use a kubeconfig "
					    "with a token or a client certificate");
	}
	const char *token, *token_file;
	if (get_str(d, u, path, "token", &token) != 0 ||
	    get_str(d, u, path, "tokenFile", &token_file) != 0 ||
	    get_pem(d, u, path, "client-certificate", &kc->cert_pem, &kc->cert_len) != 0 ||
	    get_pem(d, u, path, "client-key", &kc->key_pem, &kc->key_len) != 0)
		return DRILL_EINPUT;
	if (!kc->cert_pem != !kc->key_pem)
		return at(d, u, path, kc->cert_pem ? "a client certificate without its key"
						   : "a client key without its certificate",
			  NULL);
	if (token)
		kc->token = drill_xstrdup(token);
	else if (token_file)
		return read_token_file(kc, d, u, path, token_file);
	return 0;
}

/* kubectl refuses a mapping that names a key twice ("already defined"); so do we, rather than
 * silently taking the first. Nodes are visited by index (libyaml keeps them in one array), which
 * needs no recursion however deep the document nests. */
static int check_duplicate_keys(struct kc_doc *d)
{
	for (yaml_node_t *m = d->doc.nodes.start; m < d->doc.nodes.top; m++) {
		if (m->type != YAML_MAPPING_NODE)
			continue;
		/* The check is quadratic; no kubeconfig mapping comes near this many keys. */
		if (m->data.mapping.pairs.top - m->data.mapping.pairs.start > MAX_MAP_KEYS)
			return at(d, m, "mapping", "more than " MAX_MAP_KEYS_STR " keys", NULL);
		for (yaml_node_pair_t *p = m->data.mapping.pairs.start;
		     p < m->data.mapping.pairs.top; p++) {
			yaml_node_t *k = yaml_document_get_node(&d->doc, p->key);
			if (!k || k->type != YAML_SCALAR_NODE)
				continue;
			for (yaml_node_pair_t *q = m->data.mapping.pairs.start; q < p; q++) {
				yaml_node_t *e = yaml_document_get_node(&d->doc, q->key);
				if (e && e->type == YAML_SCALAR_NODE &&
				    !strcmp((char *)e->data.scalar.value, (char *)k->data.scalar.value))
					return at(d, k, (char *)k->data.scalar.value,
						  "duplicate key (already defined above)", NULL);
			}
		}
	}
	return 0;
}

/* Context -> cluster and user, into kc. */
static int resolve(struct drill_kubeconfig *kc, struct kc_doc *d, const char *want)
{
	yaml_node_t *root = yaml_document_get_root_node(&d->doc);
	if (!root || root->type != YAML_MAPPING_NODE)
		return drill_err(DRILL_EINPUT, "%s:1:1: expected a mapping (a kubeconfig)", d->file);
	if (check_duplicate_keys(d) != 0)
		return DRILL_EINPUT;
	const char *current, *cluster, *user, *ns;
	if (get_str(d, root, "kubeconfig", "current-context", &current) != 0)
		return DRILL_EINPUT;
	const char *name = want ? want : current;
	if (!name)
		return at(d, root, "current-context", "not set, and no context was asked for",
			  NULL);
	char path[256], ctx_path[256];
	yaml_node_t *ctx, *c, *u;
	if (find_named(d, root, "contexts", "context", name, &ctx, ctx_path, sizeof(ctx_path)) != 0)
		return DRILL_EINPUT;
	if (!ctx) {
		yaml_node_t *n = map_get(d, root, want ? "contexts" : "current-context");
		return at(d, n ? n : root, want ? "contexts" : "current-context",
			  "no context named ", name);
	}
	if (get_str(d, ctx, ctx_path, "cluster", &cluster) != 0 ||
	    get_str(d, ctx, ctx_path, "user", &user) != 0 ||
	    get_str(d, ctx, ctx_path, "namespace", &ns) != 0)
		return DRILL_EINPUT;
	if (!cluster)
		return at(d, ctx, ctx_path, "no cluster", NULL);
	kc->context = drill_xstrdup(name);
	kc->namespace_ = drill_xstrdup(ns ? ns : "default");
	if (find_named(d, root, "clusters", "cluster", cluster, &c, path, sizeof(path)) != 0)
		return DRILL_EINPUT;
	snprintf(ctx_path + strlen(ctx_path), sizeof(ctx_path) - strlen(ctx_path), ".%s",
		 c ? "user" : "cluster");
	if (!c)
		return at(d, map_get(d, ctx, "cluster"), ctx_path, "no cluster named ", cluster);
	if (load_cluster(kc, d, c, path) != 0)
		return DRILL_EINPUT;
	if (!user) /* a context without a user: anonymous, as kubectl allows */
		return 0;
	if (find_named(d, root, "users", "user", user, &u, path, sizeof(path)) != 0)
		return DRILL_EINPUT;
	if (!u)
		return at(d, map_get(d, ctx, "user"), ctx_path, "no user named ", user);
	return load_user(kc, d, u, path);
}

/* The kubeconfig kubectl would read: $KUBECONFIG's first entry, else ~/.kube/config. */
static char *default_path(void)
{
	const char *env = getenv("KUBECONFIG");
	if (env && env[0]) {
		size_t n = strcspn(env, ":");
		char *p = drill_xmalloc(n + 1);
		memcpy(p, env, n);
		p[n] = '\0';
		return p;
	}
	const char *home = getenv("HOME");
	return home ? drill_xasprintf("%s/.kube/config", home) : NULL;
}

static int parse(struct kc_doc *d, const char *text, size_t len)
{
	yaml_parser_t p;
	if (!yaml_parser_initialize(&p))
		return drill_err(DRILL_EFAIL, "%s: cannot initialise the YAML parser", d->file);
	yaml_parser_set_input_string(&p, (const unsigned char *)text, len);
	int rc = 0;
	if (!yaml_parser_load(&p, &d->doc)) {
		yaml_mark_t m = p.problem ? p.problem_mark : p.context_mark;
		rc = drill_err(DRILL_EINPUT, "%s:%zu:%zu: %s%s%s", d->file, m.line + 1, m.column + 1,
			       p.problem ? p.problem : "invalid YAML",
			       p.context ? " " : "", p.context ? p.context : "");
	} else if (!yaml_document_get_root_node(&d->doc)) {
		yaml_document_delete(&d->doc);
		rc = drill_err(DRILL_EINPUT, "%s:1:1: the file is empty", d->file);
	}
	yaml_parser_delete(&p);
	return rc;
}

int drill_kubeconfig_load(struct drill_kubeconfig *kc, const char *path, const char *context)
{
	memset(kc, 0, sizeof(*kc));
	char *file = path ? drill_xstrdup(path) : default_path();
	if (!file)
		return drill_err(DRILL_EENV, "no kubeconfig: KUBECONFIG and HOME are both unset");
	char *text = NULL;
	size_t len = 0;
	if (!drill_fs_exists(file)) {
		int rc = drill_err(DRILL_EENV, "no kubeconfig at %s%s", file,
				   path ? "" : " (from $KUBECONFIG, else ~/.kube/config)");
		free(file);
		return rc;
	}
	int rc = drill_fs_read_file(&text, &len, file, MAX_KUBECONFIG_BYTES);
	if (rc != 0) {
		rc = drill_err_wrap(DRILL_EENV, "kubeconfig");
		free(file);
		return rc;
	}
	struct kc_doc d = {.file = file};
	rc = parse(&d, text, len);
	free(text);
	kc->path = file;
	if (rc == 0) {
		rc = resolve(kc, &d, context);
		yaml_document_delete(&d.doc);
	}
	if (rc != 0) {
		char *keep = drill_xstrdup(drill_err_last());
		drill_kubeconfig_free(kc);
		rc = drill_err(rc, "%s", keep);
		free(keep);
	}
	return rc;
}

static void free_secret(char *p, size_t len)
{
	if (p)
		OPENSSL_cleanse(p, len);
	free(p);
}

void drill_kubeconfig_free(struct drill_kubeconfig *kc)
{
	if (!kc)
		return;
	free(kc->path);
	free(kc->context);
	free(kc->namespace_);
	free(kc->server);
	free(kc->tls_server_name);
	free(kc->ca_pem);
	free(kc->cert_pem);
	free_secret(kc->key_pem, kc->key_len);
	free_secret(kc->token, kc->token ? strlen(kc->token) : 0);
	memset(kc, 0, sizeof(*kc));
}
