/* tests/test_k8s_tls.c — the client over real TLS: the fake API server serves HTTPS with the test
 * PKI (fixtures/k8s/tls/) and requires a client certificate signed by its CA. The CA check, the
 * client certificate (from files and from base64 data), a wrong CA, a missing client
 * certificate, insecure-skip-tls-verify and tls-server-name are each tried for real. */
#include "helpers.h"
#include "k8sfake.h"

#include "k8s/k8s.h"
#include "util/bytes.h"
#include "util/err.h"

#include <stdlib.h>
#include <string.h>

#define POD "/api/v1/namespaces/drill/pods/concord-replica-0"

struct env {
	struct k8sfake *fake;
	char *dir;
	char *ca, *wrong_ca, *crt, *key;
};

static int setup(void **state)
{
	struct env *e = drill_xcalloc(1, sizeof(*e));
	e->fake = k8sfake_start(1);
	e->dir = drill_test_scratch("tls");
	e->ca = k8sfake_fixture("tls/ca.crt");
	e->wrong_ca = k8sfake_fixture("tls/wrong-ca.crt");
	e->crt = k8sfake_fixture("tls/client.crt");
	e->key = k8sfake_fixture("tls/client.key");
	k8sfake_reply(e->fake, "GET", POD, 200, "pod.json");
	*state = e;
	return 0;
}

static int teardown(void **state)
{
	struct env *e = *state;
	k8sfake_stop(e->fake);
	free(e->dir);
	free(e->ca);
	free(e->wrong_ca);
	free(e->crt);
	free(e->key);
	free(e);
	return 0;
}

/* GET the pod through a kubeconfig with this cluster and user; the client's return code. */
static int get_pod(struct env *e, const char *cluster_extra, const char *user)
{
	char *path = k8sfake_kubeconfig(e->fake, e->dir, cluster_extra, user);
	struct drill_kubeconfig kc;
	struct drill_k8s *k = NULL;
	assert_drill_ok(drill_kubeconfig_load(&kc, path, NULL));
	assert_drill_ok(drill_k8s_open(&k, &kc, 60000));
	drill_kubeconfig_free(&kc);
	json_t *pod = NULL;
	int rc = drill_k8s_get(k, POD, &pod);
	if (rc == 0)
		assert_string_equal(json_string_value(json_object_get(pod, "kind")), "Pod");
	json_decref(pod);
	drill_k8s_close(k);
	free(path);
	return rc;
}

static char *cluster_ca(const char *ca)
{
	return drill_xasprintf(", certificate-authority: \"%s\"", ca);
}

static char *user_files(struct env *e)
{
	return drill_xasprintf("{client-certificate: \"%s\", client-key: \"%s\"}", e->crt, e->key);
}

static void test_client_cert_files(void **state)
{
	struct env *e = *state;
	char *cl = cluster_ca(e->ca), *us = user_files(e);
	assert_drill_ok(get_pod(e, cl, us));
	assert_true(k8sfake_request(e->fake, 0)->client_cert);
	free(cl);
	free(us);
}

static void test_client_cert_data(void **state)
{
	struct env *e = *state;
	/* the committed cert-data.yaml carries the same PKI as base64: its blobs, this server */
	char *ref = k8sfake_fixture("kubeconfig/cert-data.yaml");
	struct drill_kubeconfig kc;
	assert_drill_ok(drill_kubeconfig_load(&kc, ref, NULL));
	free(kc.server);
	kc.server = drill_xstrdup(k8sfake_url(e->fake));
	struct drill_k8s *k = NULL;
	assert_drill_ok(drill_k8s_open(&k, &kc, 60000));
	drill_kubeconfig_free(&kc);
	assert_drill_ok(drill_k8s_get(k, POD, NULL));
	assert_true(k8sfake_request(e->fake, 0)->client_cert);
	drill_k8s_close(k);
	free(ref);
}

static void test_wrong_ca(void **state)
{
	struct env *e = *state;
	char *cl = cluster_ca(e->wrong_ca), *us = user_files(e);
	int rc = get_pod(e, cl, us);
	if (rc != DRILL_EENV || !strstr(drill_err_last(), "cannot reach the API server") ||
	    !strstr(drill_err_last(), "certificate"))
		fail_msg("rc %d: %s", rc, drill_err_last());
	assert_int_equal(k8sfake_count(e->fake), 0); /* refused before any request */
	free(cl);
	free(us);
}

static void test_no_client_cert(void **state)
{
	struct env *e = *state;
	char *cl = cluster_ca(e->ca);
	int rc = get_pod(e, cl, "{token: not-a-cert}");
	if (rc != DRILL_EENV || !strstr(drill_err_last(), "HTTP 401 Unauthorized"))
		fail_msg("rc %d: %s", rc, drill_err_last());
	assert_false(k8sfake_request(e->fake, 0)->client_cert);
	free(cl);
}

static void test_insecure_and_server_name(void **state)
{
	struct env *e = *state;
	char *us = user_files(e);
	/* no CA at all: only insecure-skip-tls-verify lets the client on */
	assert_drill_ok(get_pod(e, ", insecure-skip-tls-verify: true", us));
	/* tls-server-name: the name asked for in SNI and checked against the certificate, while
	 * the connection goes to 127.0.0.1 */
	char *cl = drill_xasprintf(", certificate-authority: \"%s\", tls-server-name: "
				   "kubernetes.default.svc",
				   e->ca);
	assert_drill_ok(get_pod(e, cl, us));
	free(cl);
	cl = drill_xasprintf(", certificate-authority: \"%s\", tls-server-name: not-in-the-cert",
			     e->ca);
	int rc = get_pod(e, cl, us);
	if (rc != DRILL_EENV || !strstr(drill_err_last(), "not-in-the-cert"))
		fail_msg("rc %d: %s", rc, drill_err_last());
	free(cl);
	free(us);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_client_cert_files),
		T(test_client_cert_data),
		T(test_wrong_ca),
		T(test_no_client_cert),
		T(test_insecure_and_server_name),
	};
	return drill_test_run(tests, NULL, NULL);
}
