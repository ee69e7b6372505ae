/* tests/test_platform_kube.c — command-sequence tests of the kind and minikube drivers, NOT
 * cluster tests: the tools are stand-in shell scripts first on PATH (each logs its argv and
 * answers as the real tool would: kind writes the kubeconfig, kubectl port-forward prints where
 * it listens), and the Kubernetes API is the fake server on 127.0.0.1 (k8sfake.h) answering
 * recorded pod lists. What is checked is the exact commands each platform op issues, in order,
 * and the API waits it makes; nothing here has run against a real cluster. Also where the chart
 * helm installs is found: ./deploy/helm/chaindrill in a checkout (each test runs in a scratch
 * directory holding one), the installed chart beside an installed binary (a link to this test in a
 * scratch prefix, run as a child), and the error when there is neither. */
#include "helpers.h"
#include "k8sfake.h"

#include "platform/platform.h"
#include "util/bytes.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/proc.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

struct env {
	struct k8sfake *fake;
	char *dir, *bin, *ws, *calls, *old_path;
	char old_cwd[PATH_MAX];
};

#define CHART "deploy/helm/chaindrill"

/* A stand-in program: logs "NAME ARGS" to calls.log, then runs `body` (sh). */
static void stand_in(struct env *e, const char *name, const char *body)
{
	char *path = drill_xasprintf("%s/%s", e->bin, name);
	char *text = drill_xasprintf("#!/bin/sh\necho \"%s $*\" >>\"%s\"\n%s\n", name, e->calls,
				     body);
	assert_drill_ok(drill_fs_write_atomic(path, text, strlen(text)));
	assert_int_equal(chmod(path, 0755), 0);
	free(text);
	free(path);
}

/* Pods of release "t" (replicas first..first+n-1), Running and Ready, as the API lists them. */
static char *pod_list(int first, int n)
{
	struct drill_buf b;
	drill_buf_init(&b, 1 << 20);
	const char *head = "{\"kind\": \"PodList\", \"apiVersion\": \"v1\", \"metadata\": "
			   "{\"resourceVersion\": \"7\"}, \"items\": [";
	drill_buf_append(&b, head, strlen(head));
	for (int i = first; i < first + n; i++) {
		char *pod = drill_xasprintf(
			"%s{\"metadata\": {\"name\": \"t-replica-%d-pod\", \"namespace\": \"drill\", "
			"\"labels\": {\"app.kubernetes.io/instance\": \"t\", \"chaindrill.io/replica\": "
			"\"%d\"}}, \"spec\": {\"containers\": [{\"name\": \"replica\", \"ports\": "
			"[{\"containerPort\": 8080}]}]}, \"status\": {\"phase\": \"Running\", "
			"\"conditions\": [{\"type\": \"Ready\", \"status\": \"True\"}]}}",
			i > first ? ", " : "", i, i);
		drill_buf_append(&b, pod, strlen(pod));
		free(pod);
	}
	drill_buf_append(&b, "]}", 3);
	return (char *)b.data;
}

static void reply_pods(struct env *e, const char *selector, int first, int n)
{
	char *route = drill_xasprintf("/api/v1/namespaces/drill/pods?labelSelector=%s", selector);
	char *body = pod_list(first, n);
	k8sfake_reply_text(e->fake, "GET", route, 200, body);
	free(body);
	free(route);
}

static int setup(void **state)
{
	struct env *e = calloc(1, sizeof(*e));
	e->fake = k8sfake_start(0);
	e->dir = drill_test_scratch("platform-kube");
	e->bin = drill_xasprintf("%s/bin", e->dir);
	e->ws = drill_xasprintf("%s/ws", e->dir);
	e->calls = drill_xasprintf("%s/calls.log", e->dir);
	assert_drill_ok(drill_fs_mkdir_p(e->bin, 0755));
	assert_drill_ok(drill_fs_mkdir_p(e->ws, 0755));
	char *kc = k8sfake_kubeconfig(e->fake, e->dir, NULL, "{token: t}");
	/* kind and minikube write the cluster's kubeconfig where they are told. */
	char *kind = drill_xasprintf(
		"case \"$1 $2\" in \"create cluster\")\n"
		"  while [ $# -gt 0 ]; do [ \"$1\" = --kubeconfig ] && /bin/cp \"%s\" \"$2\"; shift; done;;\n"
		"esac\nexit 0", kc);
	stand_in(e, "kind", kind);
	char *minikube = drill_xasprintf("[ \"$1\" = start ] && /bin/cp \"%s\" \"$KUBECONFIG\"\nexit 0",
					 kc);
	stand_in(e, "minikube", minikube);
	stand_in(e, "helm", "exit 0");
	stand_in(e, "docker", "exit 0");
	stand_in(e, "kubectl",
		 "case \"$*\" in *port-forward*)\n"
		 "  r=${*##*replica-}; r=${r%%-*}\n"
		 "  echo \"Forwarding from 127.0.0.1:$((45000 + r)) -> 8080\"\n"
		 "  exec /bin/sleep 600;;\n"
		 "esac\nexit 0");
	free(kind);
	free(minikube);
	free(kc);
	const char *path = getenv("PATH");
	e->old_path = drill_xstrdup(path ? path : "");
	setenv("PATH", e->bin, 1);
	/* The tests run in a checkout: a chart at ./deploy/helm/chaindrill. */
	char *chart = drill_xasprintf("%s/" CHART, e->dir);
	assert_drill_ok(drill_fs_mkdir_p(chart, 0755));
	free(chart);
	assert_non_null(getcwd(e->old_cwd, sizeof(e->old_cwd)));
	assert_int_equal(chdir(e->dir), 0);
	unsetenv("CHAINDRILL_CHART");
	*state = e;
	return 0;
}

static int teardown(void **state)
{
	struct env *e = *state;
	assert_int_equal(chdir(e->old_cwd), 0);
	setenv("PATH", e->old_path, 1);
	unsetenv("KUBECONFIG");
	k8sfake_stop(e->fake);
	free(e->dir);
	free(e->bin);
	free(e->ws);
	free(e->calls);
	free(e->old_path);
	free(e);
	return 0;
}

static struct drill_cluster_spec spec(void)
{
	return (struct drill_cluster_spec){
		.namespace_ = "drill", .blockchain_id = "bc", .replicas = 4,
		.storage_class = "standard", .reclaim = DRILL_RECLAIM_RETAIN,
		.ckpt = {1, 3, 0, 150}, .release = "t"};
}

/* The provisioner made each claim's volume directory (the chart's pods did, on a cluster). */
static void make_volumes(struct drill_platform *p)
{
	for (int i = 0; i < p->spec.replicas; i++) {
		char *root = NULL;
		assert_drill_ok(p->ops->volume_root(p, i, &root));
		assert_drill_ok(drill_fs_mkdir_p(root, 0755));
		free(root);
	}
}

static void expect_calls(struct env *e, const char *want)
{
	char *got = NULL;
	size_t len = 0;
	assert_drill_ok(drill_fs_read_file(&got, &len, e->calls, 1 << 20));
	if (strcmp(got, want))
		fail_msg("commands run:\n%s\nexpected:\n%s", got, want);
	free(got);
	unlink(e->calls);
}

/* The four port-forwards a release's pods get, as commands.log lines. */
static void append_forwards(struct drill_buf *b, const char *kubeconfig)
{
	for (int i = 0; i < 4; i++) {
		char *line = drill_xasprintf("kubectl --kubeconfig %s --namespace drill port-forward "
					     "--address 127.0.0.1 pod/t-replica-%d-pod :8080\n",
					     kubeconfig, i);
		drill_buf_append(b, line, strlen(line));
		free(line);
	}
}

static void test_kind_sequence(void **state)
{
	struct env *e = *state;
	reply_pods(e, "app.kubernetes.io/instance=t", 0, 4);   /* install */
	reply_pods(e, "app.kubernetes.io/instance=t", 0, 0);   /* scale 0 */
	reply_pods(e, "app.kubernetes.io/instance=t", 0, 4);   /* scale 1 */
	reply_pods(e, "app.kubernetes.io/instance=t", 0, 0);   /* uninstall */
	for (int i = 0; i < 4; i++) {
		char *sel = drill_xasprintf("app.kubernetes.io/instance=t,chaindrill.io/replica=%d", i);
		reply_pods(e, sel, i, 1); /* install */
		reply_pods(e, sel, i, 1); /* scale 1 */
		if (i == 1) {
			reply_pods(e, sel, i, 0); /* stop */
			reply_pods(e, sel, i, 1); /* start */
		}
		free(sel);
	}
	struct drill_cluster_spec s = spec();
	struct drill_platform *p = NULL;
	assert_drill_ok(drill_platform_open(&p, "kind", e->ws, &s));
	char *ws = p->workspace, *K = drill_xasprintf("%s/platform/kubeconfig", ws);
	char *want = drill_xasprintf(
		"docker info --format {{.ServerVersion}}\n"
		"kind create cluster --name chaindrill-t --config %s/platform/kind-config.yaml "
		"--kubeconfig %s --wait 120s\n"
		"kind load docker-image chaindrill/replica:dev --name chaindrill-t\n"
		"kubectl --kubeconfig %s --namespace local-path-storage patch configmap "
		"local-path-config --type merge --patch {\"data\": {\"config.json\": "
		"\"{\\\"nodePathMap\\\": [{\\\"node\\\": \\\"DEFAULT_PATH_FOR_NON_LISTED_NODES\\\", "
		"\\\"paths\\\": [\\\"/tmp/hostpath-provisioner\\\"]}]}\"}}\n"
		"kubectl --kubeconfig %s delete storageclass standard --ignore-not-found\n"
		"kubectl --kubeconfig %s apply -f %s/platform/storageclass.yaml\n",
		ws, K, K, K, K, ws);
	expect_calls(e, want);
	free(want);

	assert_drill_ok(p->ops->install(p));
	char *url = NULL;
	assert_drill_ok(p->ops->replica_url(p, 2, &url));
	assert_string_equal(url, "http://127.0.0.1:45002");
	free(url);
	struct drill_buf b;
	drill_buf_init(&b, 1 << 20);
	want = drill_xasprintf("helm install t deploy/helm/chaindrill --kubeconfig %s --namespace "
			       "drill --create-namespace --set global.replicaCount=1 --set "
			       "global.clusterSize=4 --set global.blockchainId=bc --set "
			       "global.storageClassName=standard --set "
			       "replicaCheckpointBackup.enabled=true --set "
			       "replicaCheckpointBackup.numberOfCheckpoints=3 --set "
			       "replicaCheckpointBackup.checkpointIntervalInSeconds=0 --set "
			       "replicaCheckpointBackup.checkpointWindow=150\n", K);
	drill_buf_append(&b, want, strlen(want));
	free(want);
	append_forwards(&b, K);
	drill_buf_append(&b, "", 1);
	expect_calls(e, (char *)b.data);
	drill_buf_free(&b);

	/* The runbook's scale-down hands the volumes to us; scale-up hands them back first. */
	make_volumes(p);
	assert_drill_ok(p->ops->scale(p, 0));
	assert_int_equal(p->ops->replica_url(p, 0, &url), DRILL_ENOTFOUND);
	drill_buf_init(&b, 1 << 20);
	want = drill_xasprintf("helm upgrade t deploy/helm/chaindrill --kubeconfig %s --namespace "
			       "drill --reuse-values --set global.replicaCount=0\n", K);
	drill_buf_append(&b, want, strlen(want));
	free(want);
	for (int i = 0; i < 4; i++) {
		want = drill_xasprintf("docker exec chaindrill-t-control-plane chown -R %u:%u "
				       "/tmp/hostpath-provisioner/drill/concord-pvc-bc-replica-%d\n",
				       (unsigned)getuid(), (unsigned)getgid(), i);
		drill_buf_append(&b, want, strlen(want));
		free(want);
	}
	drill_buf_append(&b, "", 1);
	expect_calls(e, (char *)b.data);
	drill_buf_free(&b);
	char *root = NULL;
	assert_drill_ok(p->ops->volume_root(p, 3, &root));
	want = drill_xasprintf("%s/hostpath-provisioner/drill/concord-pvc-bc-replica-3", ws);
	assert_string_equal(root, want);
	free(want);
	free(root);

	assert_drill_ok(p->ops->scale(p, 1));
	drill_buf_init(&b, 1 << 20);
	for (int i = 0; i < 4; i++) {
		want = drill_xasprintf("docker exec chaindrill-t-control-plane chown -R 10001:10001 "
				       "/tmp/hostpath-provisioner/drill/concord-pvc-bc-replica-%d\n",
				       i);
		drill_buf_append(&b, want, strlen(want));
		free(want);
	}
	want = drill_xasprintf("helm upgrade t deploy/helm/chaindrill --kubeconfig %s --namespace "
			       "drill --reuse-values --set global.replicaCount=1\n", K);
	drill_buf_append(&b, want, strlen(want));
	free(want);
	append_forwards(&b, K);
	drill_buf_append(&b, "", 1);
	expect_calls(e, (char *)b.data);
	drill_buf_free(&b);

	/* One replica down and back: its Deployment, not the release. */
	assert_drill_ok(p->ops->stop_replica(p, 1));
	assert_int_equal(p->ops->stop_replica(p, 1), DRILL_EINPUT);
	assert_drill_ok(p->ops->start_replica(p, 1));
	want = drill_xasprintf(
		"kubectl --kubeconfig %s --namespace drill scale deployment/vmbc-deployment-replica-1-concord --replicas=0\n"
		"docker exec chaindrill-t-control-plane chown -R %u:%u "
		"/tmp/hostpath-provisioner/drill/concord-pvc-bc-replica-1\n"
		"docker exec chaindrill-t-control-plane chown -R 10001:10001 "
		"/tmp/hostpath-provisioner/drill/concord-pvc-bc-replica-1\n"
		"kubectl --kubeconfig %s --namespace drill scale deployment/vmbc-deployment-replica-1-concord --replicas=1\n"
		"kubectl --kubeconfig %s --namespace drill port-forward --address 127.0.0.1 "
		"pod/t-replica-1-pod :8080\n",
		K, (unsigned)getuid(), (unsigned)getgid(), K, K);
	expect_calls(e, want);
	free(want);

	assert_drill_ok(p->ops->uninstall(p));
	unlink(e->calls);
	drill_platform_destroy(p);
	want = drill_xasprintf("kind delete cluster --name chaindrill-t --kubeconfig %s\n", K);
	expect_calls(e, want);
	free(want);
	free(K);

	/* What the driver asked the API: label selectors, as the chart labels its pods. */
	int saw_replica_selector = 0;
	for (size_t k = 0; k < k8sfake_count(e->fake); k++) {
		const struct k8sfake_req *r = k8sfake_request(e->fake, k);
		assert_string_equal(r->method, "GET");
		assert_string_equal(r->path, "/api/v1/namespaces/drill/pods");
		saw_replica_selector |= strstr(r->query, "chaindrill.io/replica=1") != NULL;
	}
	assert_true(saw_replica_selector);
}

static void test_minikube_sequence(void **state)
{
	struct env *e = *state;
	reply_pods(e, "app.kubernetes.io/instance=t", 0, 4);
	reply_pods(e, "app.kubernetes.io/instance=t", 0, 0);
	for (int i = 0; i < 4; i++) {
		char *sel = drill_xasprintf("app.kubernetes.io/instance=t,chaindrill.io/replica=%d", i);
		reply_pods(e, sel, i, 1);
		free(sel);
	}
	struct drill_cluster_spec s = spec();
	s.has_run_as_user = 1;
	s.run_as_user = 2000;
	struct drill_platform *p = NULL;
	assert_drill_ok(drill_platform_open(&p, "minikube", e->ws, &s));
	assert_drill_ok(p->ops->install(p));
	make_volumes(p);
	assert_drill_ok(p->ops->scale(p, 0));
	unlink(e->calls);
	drill_platform_destroy(p);
	expect_calls(e, "minikube delete -p chaindrill-t\n");

	/* The cluster was started with the workspace's directory as the node's volumes. */
	char *log = drill_xasprintf("%s/ws/platform/commands.log", e->dir), *text = NULL;
	size_t len = 0;
	assert_drill_ok(drill_fs_read_file(&text, &len, log, 1 << 20));
	char *ws = realpath(e->ws, NULL);
	char *want = drill_xasprintf("$ minikube start -p chaindrill-t --driver=docker --mount "
				     "--mount-string %s/hostpath-provisioner:/tmp/hostpath-provisioner\n"
				     "$ minikube -p chaindrill-t image load chaindrill/replica:dev\n",
				     ws);
	if (!strstr(text, want))
		fail_msg("no minikube start as expected in:\n%s", text);
	free(want);
	assert_non_null(strstr(text, "--set securityContext.runAsUser=2000,securityContext."
				     "runAsGroup=2000,securityContext.fsGroup=2000"));
	want = drill_xasprintf("$ minikube -p chaindrill-t ssh -- sudo chown -R %u:%u "
			       "/tmp/hostpath-provisioner/drill/concord-pvc-bc-replica-2\n",
			       (unsigned)getuid(), (unsigned)getgid());
	if (!strstr(text, want))
		fail_msg("no chown through minikube ssh in:\n%s", text);
	free(want);
	free(ws);
	free(text);
	free(log);
}

/* A tool that fails: the error names the command and shows its output. */
static void test_failing_tool(void **state)
{
	struct env *e = *state;
	stand_in(e, "kind", "echo 'ERROR: failed to create cluster: node(s) already exist' >&2\n"
			    "exit 1");
	struct drill_cluster_spec s = spec();
	struct drill_platform *p = NULL;
	assert_int_equal(drill_platform_open(&p, "kind", e->ws, &s), DRILL_EFAIL);
	assert_null(p);
	const char *msg = drill_err_last();
	assert_non_null(strstr(msg, "`kind create cluster --name chaindrill-t"));
	assert_non_null(strstr(msg, "exited with code 1"));
	assert_non_null(strstr(msg, "node(s) already exist"));
}

/* Missing tools are an environment error naming each; nothing is started. */
static void test_missing_tools(void **state)
{
	struct env *e = *state;
	char *helm = drill_xasprintf("%s/helm", e->bin);
	unlink(helm);
	free(helm);
	stand_in(e, "docker", "exit 1");
	struct drill_cluster_spec s = spec();
	struct drill_platform *p = NULL;
	assert_int_equal(drill_platform_open(&p, "minikube", e->ws, &s), DRILL_EENV);
	assert_non_null(strstr(drill_err_last(), "`helm` is not installed"));
	assert_non_null(strstr(drill_err_last(), "no Docker engine answers"));
	expect_calls(e, "docker info --format {{.ServerVersion}}\n");
}

/* The install's pods, and the commands up to helm install, for the chart tests. */
static void reply_install(struct env *e)
{
	reply_pods(e, "app.kubernetes.io/instance=t", 0, 4);
	for (int i = 0; i < 4; i++) {
		char *sel = drill_xasprintf("app.kubernetes.io/instance=t,chaindrill.io/replica=%d", i);
		reply_pods(e, sel, i, 1);
		free(sel);
	}
}

/* The chart the `helm install` of calls.log names. */
static char *installed_chart(struct env *e)
{
	char *got = NULL;
	size_t len = 0;
	assert_drill_ok(drill_fs_read_file(&got, &len, e->calls, 1 << 20));
	const char *h = strstr(got, "helm install t ");
	if (!h)
		fail_msg("no helm install in:\n%s", got);
	h += strlen("helm install t ");
	char *chart = drill_xasprintf("%.*s", (int)strcspn(h, " \n"), h);
	free(got);
	return chart;
}

/* Child mode (CHART_PROBE_WS set): kind up and install, as an installed chaindrill would. */
static int chart_probe(const char *ws)
{
	struct drill_cluster_spec s = spec();
	struct drill_platform *p = NULL;
	int rc = drill_platform_open(&p, "kind", ws, &s);
	if (!rc)
		rc = p->ops->install(p);
	if (rc)
		fprintf(stderr, "chart probe: %s\n", drill_err_last());
	drill_platform_destroy(p);
	return rc ? 1 : 0;
}

/* In a checkout, ./deploy/helm/chaindrill, as it is named there (the sequences above show the
 * rest); with CHAINDRILL_CHART, that one. */
static void test_chart_in_checkout(void **state)
{
	struct env *e = *state;
	reply_install(e);
	struct drill_cluster_spec s = spec();
	struct drill_platform *p = NULL;
	assert_drill_ok(drill_platform_open(&p, "minikube", e->ws, &s));
	assert_drill_ok(p->ops->install(p));
	char *chart = installed_chart(e);
	assert_string_equal(chart, CHART);
	free(chart);
	drill_platform_destroy(p);
	unlink(e->calls);

	reply_install(e);
	setenv("CHAINDRILL_CHART", "repo/chaindrill", 1);
	int rc = drill_platform_open(&p, "kind", e->ws, &s);
	unsetenv("CHAINDRILL_CHART");
	assert_drill_ok(rc);
	assert_drill_ok(p->ops->install(p));
	chart = installed_chart(e);
	assert_string_equal(chart, "repo/chaindrill");
	free(chart);
	drill_platform_destroy(p);
}

/* Outside a checkout, an installed binary (PREFIX/bin/chaindrill) finds
 * PREFIX/share/chaindrill/deploy/helm/chaindrill: this test, hard-linked into a scratch prefix
 * with the chart beside it, runs as such a binary from a directory without a chart. */
static void test_chart_installed(void **state)
{
	struct env *e = *state;
	char *prefix = drill_xasprintf("%s/prefix", e->dir);
	char *bindir = drill_xasprintf("%s/bin", prefix);
	char *exe = drill_xasprintf("%s/chaindrill", bindir);
	char *chart = drill_xasprintf("%s/share/chaindrill/" CHART, prefix);
	assert_drill_ok(drill_fs_mkdir_p(bindir, 0755));
	assert_drill_ok(drill_fs_mkdir_p(chart, 0755));
	if (link(drill_proc_self_exe(), exe) != 0)
		fail_msg("link %s %s: %s (the scratch directory must be on the build's filesystem)",
			 drill_proc_self_exe(), exe, strerror(errno));
	reply_install(e);
	assert_int_equal(chdir(e->ws), 0); /* no ./deploy here */
	setenv("CHART_PROBE_WS", e->ws, 1);
	char *argv[] = {exe, NULL};
	char *log = drill_xasprintf("%s/probe.log", e->dir);
	pid_t pid;
	int status = -1;
	assert_drill_ok(drill_proc_spawn(&pid, argv, log));
	assert_drill_ok(drill_proc_wait(pid, 60000, &status));
	unsetenv("CHART_PROBE_WS");
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		char *text = NULL;
		size_t len = 0;
		drill_fs_read_file(&text, &len, log, 1 << 16);
		fail_msg("the installed binary failed (%s): %s", drill_proc_status_str(status),
			 text ? text : "");
	}
	char *got = installed_chart(e), *want = drill_xasprintf("%s/../share/chaindrill/" CHART, bindir);
	assert_string_equal(got, want);
	assert_true(drill_fs_is_dir(got));
	free(got);
	free(want);
	free(log);
	free(chart);
	free(exe);
	free(bindir);
	free(prefix);
}

/* Neither a checkout's chart nor an installed one: an environment error saying where it looked
 * and what to do, before any cluster is made. */
static void test_no_chart(void **state)
{
	struct env *e = *state;
	assert_int_equal(chdir(e->ws), 0); /* and this test's binary has no share/ beside it */
	struct drill_cluster_spec s = spec();
	struct drill_platform *p = NULL;
	assert_int_equal(drill_platform_open(&p, "kind", e->ws, &s), DRILL_EENV);
	assert_null(p);
	assert_string_equal(drill_err_last(),
			    "platform kind: no Helm chart: neither ./deploy/helm/chaindrill (a "
			    "source checkout) nor share/chaindrill/deploy/helm/chaindrill beside the "
			    "installed chaindrill exists; run from the checkout, install chaindrill, "
			    "or set CHAINDRILL_CHART");
	expect_calls(e, "docker info --format {{.ServerVersion}}\n");
}

int main(void)
{
	const char *probe = getenv("CHART_PROBE_WS");
	if (probe)
		return chart_probe(probe);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_kind_sequence, setup, teardown),
		cmocka_unit_test_setup_teardown(test_minikube_sequence, setup, teardown),
		cmocka_unit_test_setup_teardown(test_failing_tool, setup, teardown),
		cmocka_unit_test_setup_teardown(test_missing_tools, setup, teardown),
		cmocka_unit_test_setup_teardown(test_chart_in_checkout, setup, teardown),
		cmocka_unit_test_setup_teardown(test_chart_installed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_chart, setup, teardown),
	};
	return drill_test_run(tests, NULL, NULL);
}
