/* tests/test_k8s_kubeconfig.c — kubeconfig variants from fixtures/k8s/kubeconfig/: what is read,
 * what is resolved beside the file, and the FILE:LINE:COL of every refusal. */
#include "helpers.h"
#include "k8sfake.h"

#include "k8s/k8s.h"
#include "util/bytes.h"
#include "util/err.h"
#include "util/fs.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static char *fixture_text(const char *name)
{
	char *path = k8sfake_fixture(name), *text;
	size_t len;
	assert_drill_ok(drill_fs_read_file(&text, &len, path, 1 << 20));
	free(path);
	return text;
}

static void load(struct drill_kubeconfig *kc, const char *name, const char *context)
{
	char *file = drill_xasprintf("kubeconfig/%s", name), *path = k8sfake_fixture(file);
	assert_drill_ok(drill_kubeconfig_load(kc, path, context));
	assert_string_equal(kc->path, path);
	free(path);
	free(file);
}

/* Load must fail with `code` and a message that contains `want`; an input error starts with
 * the file. */
static void refused(const char *name, int code, const char *want)
{
	char *file = drill_xasprintf("kubeconfig/%s", name), *path = k8sfake_fixture(file);
	struct drill_kubeconfig kc;
	int rc = drill_kubeconfig_load(&kc, path, NULL);
	if (rc != code || !strstr(drill_err_last(), want) ||
	    (code == DRILL_EINPUT && strncmp(drill_err_last(), path, strlen(path))))
		fail_msg("%s: rc %d, message \"%s\"; wanted %d and \"%s\"", name, rc, drill_err_last(),
			 code, want);
	assert_null(kc.server);
	free(path);
	free(file);
}

static void test_token(void **state)
{
	struct drill_kubeconfig kc;
	load(&kc, "token.yaml", NULL);
	assert_string_equal(kc.context, "kind-chaindrill");
	assert_string_equal(kc.server, "https://127.0.0.1:40111");
	assert_string_equal(kc.namespace_, "drill");
	assert_string_equal(kc.token, "abc.def-token");
	assert_null(kc.cert_pem);
	assert_false(kc.insecure);
	char *ca = fixture_text("tls/ca.crt"); /* certificate-authority: ../tls/ca.crt, beside it */
	assert_int_equal(kc.ca_len, strlen(ca));
	assert_memory_equal(kc.ca_pem, ca, kc.ca_len);
	free(ca);
	drill_kubeconfig_free(&kc);
}

static void expect_client_cert(const struct drill_kubeconfig *kc)
{
	char *ca = fixture_text("tls/ca.crt"), *crt = fixture_text("tls/client.crt"),
	     *key = fixture_text("tls/client.key");
	assert_int_equal(kc->ca_len, strlen(ca));
	assert_memory_equal(kc->ca_pem, ca, kc->ca_len);
	assert_int_equal(kc->cert_len, strlen(crt));
	assert_memory_equal(kc->cert_pem, crt, kc->cert_len);
	assert_int_equal(kc->key_len, strlen(key));
	assert_memory_equal(kc->key_pem, key, kc->key_len);
	assert_null(kc->token);
	free(ca);
	free(crt);
	free(key);
}

/* A quoted number is a string, to kubectl as to us. */
static void test_token_quoted_number(void **state)
{
	struct drill_kubeconfig kc;
	load(&kc, "token-quoted-number.yaml", NULL);
	assert_string_equal(kc.token, "42");
	drill_kubeconfig_free(&kc);
}

static void test_cert_data(void **state)
{
	struct drill_kubeconfig kc;
	load(&kc, "cert-data.yaml", NULL);
	expect_client_cert(&kc);
	assert_string_equal(kc.namespace_, "default"); /* the context names none */
	drill_kubeconfig_free(&kc);
}

static void test_cert_files_relative(void **state)
{
	struct drill_kubeconfig kc;
	load(&kc, "cert-files.yaml", NULL);
	expect_client_cert(&kc);
	drill_kubeconfig_free(&kc);
}

static void test_token_file(void **state)
{
	struct drill_kubeconfig kc;
	load(&kc, "token-file.yaml", NULL);
	assert_string_equal(kc.token, "file-token.123"); /* trimmed */
	drill_kubeconfig_free(&kc);
}

static void test_insecure_and_server_name(void **state)
{
	struct drill_kubeconfig kc;
	load(&kc, "insecure.yaml", NULL);
	assert_true(kc.insecure);
	assert_string_equal(kc.tls_server_name, "kubernetes.default.svc");
	assert_null(kc.ca_pem);
	drill_kubeconfig_free(&kc);
}

static void test_other_context(void **state)
{
	struct drill_kubeconfig kc;
	load(&kc, "other-context.yaml", "minikube");
	assert_string_equal(kc.context, "minikube");
	assert_string_equal(kc.server, "https://192.168.49.2:8443/");
	assert_string_equal(kc.namespace_, "replicas");
	assert_string_equal(kc.token, "minikube-token");
	assert_true(kc.insecure);
	drill_kubeconfig_free(&kc);

	char *path = k8sfake_fixture("kubeconfig/other-context.yaml");
	assert_int_equal(drill_kubeconfig_load(&kc, path, "eks"), DRILL_EINPUT);
	assert_non_null(strstr(drill_err_last(), ":15:1: contexts: no context named eks"));
	free(path);
}

static void test_env_and_home(void **state)
{
	char *path = k8sfake_fixture("kubeconfig/token.yaml");
	char *env = drill_xasprintf("%s:/nonexistent/second", path);
	struct drill_kubeconfig kc;
	setenv("KUBECONFIG", env, 1);
	assert_drill_ok(drill_kubeconfig_load(&kc, NULL, NULL));
	assert_string_equal(kc.path, path);
	drill_kubeconfig_free(&kc);

	char *home = drill_test_scratch("home");
	unsetenv("KUBECONFIG");
	char *old_home = getenv("HOME") ? drill_xstrdup(getenv("HOME")) : NULL;
	setenv("HOME", home, 1);
	assert_int_equal(drill_kubeconfig_load(&kc, NULL, NULL), DRILL_EENV);
	assert_non_null(strstr(drill_err_last(), "/.kube/config"));
	if (old_home)
		setenv("HOME", old_home, 1);
	free(old_home);
	free(home);
	free(env);
	free(path);
}

static void test_refusals(void **state)
{
	refused("no-current-context.yaml", DRILL_EINPUT,
		":1:1: current-context: not set, and no context was asked for");
	refused("missing-cluster.yaml", DRILL_EINPUT,
		":12:14: contexts[0].context.cluster: no cluster named gone-cluster");
	refused("missing-user.yaml", DRILL_EINPUT,
		":13:11: contexts[0].context.user: no user named gone-user");
	refused("exec-user.yaml", DRILL_EINPUT,
		":19:7: users[0].user: exec: credential plugins are not supported");
	refused("bad-yaml.yaml", DRILL_EINPUT, ":15:6: did not find expected ',' or ']' while parsing a flow sequence");
	refused("wrong-type-server.yaml", DRILL_EINPUT,
		":8:13: clusters[0].cluster.server: expected a string, got a mapping");
	refused("wrong-type-token.yaml", DRILL_EINPUT,
		":19:12: users[0].user.token: expected a string, got a number, which kubectl refuses "
		"too (quote it: \"42\")");
	refused("wrong-type-insecure.yaml", DRILL_EINPUT,
		":9:31: clusters[0].cluster.insecure-skip-tls-verify: expected true or false, got yes");
	refused("bad-base64.yaml", DRILL_EINPUT, "certificate-authority-data: not valid base64");
	refused("missing-file.yaml", DRILL_EINPUT,
		":9:28: clusters[0].cluster.certificate-authority: ");
	refused("no-such-file.yaml", DRILL_EENV, "no kubeconfig at ");
	refused("ca-not-regular.yaml", DRILL_EINPUT,
		":9:28: clusters[0].cluster.certificate-authority: /dev/null: not a regular file");
}

/* A tokenFile that is a FIFO is refused, not opened: opening it would block until a writer
 * came, and none will. */
static void test_token_file_fifo(void **state)
{
	(void)state;
	char *dir = drill_test_scratch("fifo");
	char *fifo = drill_xasprintf("%s/token", dir), *path = drill_xasprintf("%s/kubeconfig", dir);
	assert_int_equal(mkfifo(fifo, 0600), 0);
	const char *text = "apiVersion: v1\nkind: Config\ncurrent-context: c\n"
			   "clusters: [{name: k, cluster: {server: 'https://127.0.0.1:1'}}]\n"
			   "contexts: [{name: c, context: {cluster: k, user: u}}]\n"
			   "users: [{name: u, user: {tokenFile: token}}]\n";
	assert_drill_ok(drill_fs_write_atomic(path, text, strlen(text)));
	struct drill_kubeconfig kc;
	assert_int_equal(drill_kubeconfig_load(&kc, path, NULL), DRILL_EINPUT);
	assert_non_null(strstr(drill_err_last(), "/token: not a regular file"));
	free(path);
	free(fifo);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_token),
		cmocka_unit_test(test_token_quoted_number),
		cmocka_unit_test(test_cert_data),
		cmocka_unit_test(test_cert_files_relative),
		cmocka_unit_test(test_token_file),
		cmocka_unit_test(test_insecure_and_server_name),
		cmocka_unit_test(test_other_context),
		cmocka_unit_test(test_env_and_home),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_token_file_fifo),
	};
	return drill_test_run(tests, NULL, NULL);
}
