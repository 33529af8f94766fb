"""Checks k8s/ offline, as scripts/test runs it: renders every overlay with kustomize, validates each
Kubernetes kind against its schema (kubernetes-validate, strict) and each operator kind against
Tests/Kubernetes/crds/, then checks what the issue asks of the manifests — pods non-root on a read-only
root with no capabilities, probes, resource requests, a PodDisruptionBudget per Deployment, default-deny
network policies that select every Sopz pod, references that resolve — and that every executable has a
Containerfile whose runtime stage installs the shared libraries the binary links.

    manifests_check.py ROOT                     the manifests (before the tests: nothing to build)
    manifests_check.py ROOT --containerfiles BIN   the Containerfiles, against the executables in BIN

Before checking the real manifests it checks broken copies of them and fails unless each is caught:
a check that cannot fail proves nothing.
"""

import copy
import glob
import os
import re
import subprocess
import sys

import jsonschema
import kubernetes_validate
import yaml

KUBERNETES_VERSION = "1.32.0"
# Each kustomization, and the one it is applied beside (the rebuild Job runs in production's namespace,
# against what production made: checked together).
RENDERED = {"k8s/overlays/dev": None, "k8s/overlays/production": None,
            "k8s/overlays/production/rebuild": "k8s/overlays/production"}
CRD_SCHEMAS = {
    ("cert-manager.io/v1", "Certificate"): "certificate.yaml",
    ("cert-manager.io/v1", "Issuer"): "issuer.yaml",
    ("rabbitmq.com/v1beta1", "RabbitmqCluster"): "rabbitmqcluster.yaml",
    ("postgresql.cnpg.io/v1", "Cluster"): "cluster.yaml",
    ("keda.sh/v1alpha1", "ScaledObject"): "scaledobject.yaml",
    ("keda.sh/v1alpha1", "TriggerAuthentication"): "triggerauthentication.yaml",
    ("monitoring.coreos.com/v1", "PodMonitor"): "podmonitor.yaml",
}
# Secrets nobody in the manifests creates: sopz-secrets by the operator (k8s/base/configuration.yaml),
# sopz-<cluster>-app by CloudNativePG for each Cluster's owner.
OUT_OF_BAND_SECRETS = {"sopz-secrets"}
SOPZ_APPS = {"sopz-ingress", "sopz-dispatcher", "sopz-notifier", "sopz-projector", "sopz-projector-rebuild"}
# Shared libraries every Debian image has (libc6, libgcc-s1): not for a Containerfile to install.
BASE_IMAGE_PACKAGES = {"libc6", "libgcc-s1"}


def render(root, path):
    out = subprocess.run(["kubectl", "kustomize", os.path.join(root, path)], capture_output=True, text=True)
    if out.returncode != 0:
        raise SystemExit(f"{path}: kustomize failed: {out.stderr.strip()}")
    return [d for d in yaml.safe_load_all(out.stdout) if d]


def name(doc):
    return f"{doc['kind']}/{doc['metadata']['name']}"


def pod_spec(doc):
    if doc["kind"] in ("Deployment", "Job"):
        return doc["spec"]["template"]["spec"]
    return None


def pod_labels(doc):
    return doc["spec"]["template"]["metadata"].get("labels", {})


def selects(selector, labels):
    """A label selector (matchLabels / matchExpressions) against a set of labels."""
    for key, value in (selector.get("matchLabels") or {}).items():
        if labels.get(key) != value:
            return False
    for expression in selector.get("matchExpressions") or []:
        key, operator, values = expression["key"], expression["operator"], expression.get("values", [])
        if operator == "In" and labels.get(key) not in values:
            return False
        if operator == "NotIn" and labels.get(key) in values:
            return False
        if operator == "Exists" and key not in labels:
            return False
        if operator == "DoesNotExist" and key in labels:
            return False
    return True


def schema_problems(docs, root):
    problems = []
    schemas = {}
    for doc in docs:
        key = (doc.get("apiVersion"), doc.get("kind"))
        if key in CRD_SCHEMAS:
            if key not in schemas:
                with open(os.path.join(root, "Tests/Kubernetes/crds", CRD_SCHEMAS[key])) as file:
                    schemas[key] = yaml.safe_load(file)
            for error in jsonschema.Draft202012Validator(schemas[key]).iter_errors(doc):
                path = ".".join(str(p) for p in error.absolute_path)
                problems.append(f"{name(doc)}: {path}: {error.message}")
            continue
        try:
            kubernetes_validate.validate(doc, KUBERNETES_VERSION, strict=True)
        except kubernetes_validate.SchemaNotFoundError:
            problems.append(f"{name(doc)}: no schema for {key[0]} {key[1]} (add one to Tests/Kubernetes/crds)")
        except kubernetes_validate.ValidationError as error:
            path = ".".join(str(p) for p in error.path)
            problems.append(f"{name(doc)}: {path}: {error.message}")
    return problems


def pod_problems(doc):
    problems = []
    spec = pod_spec(doc)
    security = spec.get("securityContext", {})
    if security.get("runAsNonRoot") is not True or not security.get("runAsUser"):
        problems.append(f"{name(doc)}: the pod must run as a non-root user (runAsNonRoot, runAsUser)")
    if security.get("seccompProfile", {}).get("type") != "RuntimeDefault":
        problems.append(f"{name(doc)}: the pod needs the RuntimeDefault seccomp profile")
    if spec.get("automountServiceAccountToken") is not False:
        problems.append(f"{name(doc)}: no Sopz process talks to the Kubernetes API: automountServiceAccountToken false")
    for container in spec.get("containers", []) + spec.get("initContainers", []):
        where = f"{name(doc)} container {container['name']}"
        context = container.get("securityContext", {})
        if context.get("readOnlyRootFilesystem") is not True:
            problems.append(f"{where}: readOnlyRootFilesystem must be true")
        if context.get("allowPrivilegeEscalation") is not False:
            problems.append(f"{where}: allowPrivilegeEscalation must be false")
        if "ALL" not in context.get("capabilities", {}).get("drop", []) or context.get("capabilities", {}).get("add"):
            problems.append(f"{where}: capabilities must drop ALL and add none")
        requests = container.get("resources", {}).get("requests", {})
        if "cpu" not in requests or "memory" not in requests:
            problems.append(f"{where}: resource requests for cpu and memory")
        if "memory" not in container.get("resources", {}).get("limits", {}):
            problems.append(f"{where}: a memory limit")
        image = container.get("image", "")
        if ":" not in image.rsplit("/", 1)[-1] or image.endswith(":latest"):
            problems.append(f"{where}: image {image!r} needs a tag other than latest")
        if doc["kind"] == "Deployment":
            ports = {p.get("name") for p in container.get("ports", [])}
            for probe, path in (("readinessProbe", "/readyz"), ("livenessProbe", "/healthz")):
                get = container.get(probe, {}).get("httpGet", {})
                if get.get("path") != path or get.get("scheme") != "HTTPS":
                    problems.append(f"{where}: {probe} must GET {path} over HTTPS")
                elif get.get("port") not in ports:
                    problems.append(f"{where}: {probe} names port {get.get('port')!r}, which it does not have")
    return problems


def reference_problems(docs):
    problems = []
    config_maps = {d["metadata"]["name"] for d in docs if d["kind"] == "ConfigMap"}
    secrets = set(OUT_OF_BAND_SECRETS)
    secrets |= {d["spec"]["secretName"] for d in docs if d["kind"] == "Certificate"}
    secrets |= {d["metadata"]["name"] + "-app" for d in docs if d["kind"] == "Cluster"}
    secrets |= {d["metadata"]["name"] for d in docs if d["kind"] == "Secret"}
    for doc in docs:
        spec = pod_spec(doc)
        if spec is None:
            continue
        used_secrets, used_maps = set(), set()
        for volume in spec.get("volumes", []):
            if "secret" in volume:
                used_secrets.add(volume["secret"]["secretName"])
            if "configMap" in volume:
                used_maps.add(volume["configMap"]["name"])
        for container in spec["containers"]:
            for source in container.get("envFrom", []):
                if "secretRef" in source:
                    used_secrets.add(source["secretRef"]["name"])
                if "configMapRef" in source:
                    used_maps.add(source["configMapRef"]["name"])
            for variable in container.get("env", []):
                reference = variable.get("valueFrom", {})
                if "secretKeyRef" in reference:
                    used_secrets.add(reference["secretKeyRef"]["name"])
                if "configMapKeyRef" in reference:
                    used_maps.add(reference["configMapKeyRef"]["name"])
        problems += [f"{name(doc)}: Secret {s} is made by nothing here" for s in sorted(used_secrets - secrets)]
        problems += [f"{name(doc)}: ConfigMap {m} is not defined" for m in sorted(used_maps - config_maps)]
    workloads = [d for d in docs if d["kind"] == "Deployment"]
    for doc in docs:
        if doc["kind"] == "Service":
            if not any(selects({"matchLabels": doc["spec"]["selector"]}, pod_labels(w)) for w in workloads):
                problems.append(f"{name(doc)}: its selector matches no Deployment's pods")
        target = None
        if doc["kind"] == "HorizontalPodAutoscaler":
            target = doc["spec"]["scaleTargetRef"]["name"]
        if doc["kind"] == "ScaledObject":
            target = doc["spec"]["scaleTargetRef"]["name"]
            authentications = {d["metadata"]["name"] for d in docs if d["kind"] == "TriggerAuthentication"}
            for trigger in doc["spec"]["triggers"]:
                reference = trigger.get("authenticationRef", {}).get("name")
                if reference and reference not in authentications:
                    problems.append(f"{name(doc)}: TriggerAuthentication {reference} is not defined")
        if target and target not in {w["metadata"]["name"] for w in workloads}:
            problems.append(f"{name(doc)}: scales {target}, which is not a Deployment here")
        if doc["kind"] == "Ingress":
            services = {d["metadata"]["name"] for d in docs if d["kind"] == "Service"}
            for rule in doc["spec"]["rules"]:
                for path in rule["http"]["paths"]:
                    if path["backend"]["service"]["name"] not in services:
                        problems.append(f"{name(doc)}: backend {path['backend']['service']['name']} is no Service")
            for tls in doc["spec"].get("tls", []):
                if tls["secretName"] not in secrets:
                    problems.append(f"{name(doc)}: TLS secret {tls['secretName']} is made by no Certificate")
        if doc["kind"] == "PodMonitor":
            monitored = [w for w in workloads if selects(doc["spec"]["selector"], pod_labels(w))]
            for workload in monitored:
                ports = {p.get("name") for c in pod_spec(workload)["containers"] for p in c.get("ports", [])}
                for endpoint in doc["spec"]["podMetricsEndpoints"]:
                    if endpoint.get("port") not in ports:
                        problems.append(f"{name(doc)}: {name(workload)} has no port {endpoint.get('port')!r}")
    return problems


def availability_problems(docs):
    problems = []
    budgets = [d for d in docs if d["kind"] == "PodDisruptionBudget"]
    for doc in docs:
        if doc["kind"] != "Deployment":
            continue
        if not any(selects(b["spec"]["selector"], pod_labels(doc)) for b in budgets):
            problems.append(f"{name(doc)}: no PodDisruptionBudget selects its pods")
        strategy = doc["spec"].get("strategy", {})
        if strategy.get("rollingUpdate", {}).get("maxUnavailable") != 0:
            problems.append(f"{name(doc)}: a rolling update must start the new replica first (maxUnavailable 0)")
    return problems


def network_problems(docs):
    problems = []
    policies = [d for d in docs if d["kind"] == "NetworkPolicy"]
    deny = [
        p for p in policies
        if p["spec"]["podSelector"] == {} and set(p["spec"].get("policyTypes", [])) == {"Ingress", "Egress"}
        and not p["spec"].get("ingress") and not p["spec"].get("egress")
    ]
    if not deny:
        problems.append("no default-deny NetworkPolicy (empty podSelector, Ingress and Egress, no rules)")
    for doc in docs:
        if pod_spec(doc) is None:
            continue
        labels = pod_labels(doc)
        own = [p for p in policies if p["spec"]["podSelector"] != {} and selects(p["spec"]["podSelector"], labels)]
        if not own:
            problems.append(f"{name(doc)}: no NetworkPolicy lets its traffic through")
    return problems


def namespace_problems(docs):
    namespaced = [d for d in docs if d["kind"] not in ("Namespace", "ClusterIssuer")]
    namespaces = {d["metadata"]["name"] for d in docs if d["kind"] == "Namespace"}
    problems = [f"{name(d)}: no namespace" for d in namespaced if not d["metadata"].get("namespace")]
    if namespaces:
        problems += [
            f"{name(d)}: namespace {d['metadata'].get('namespace')} is not the overlay's"
            for d in namespaced if d["metadata"].get("namespace") not in namespaces
        ]
    return problems


def check(docs, root):
    problems = schema_problems(docs, root)
    for doc in docs:
        if pod_spec(doc) is not None and pod_labels(doc).get("app") in SOPZ_APPS:
            problems += pod_problems(doc)
    return (problems + reference_problems(docs) + availability_problems(docs) + network_problems(docs)
            + namespace_problems(docs))


def linked_packages(binary):
    """The Debian packages of the shared libraries `binary` links, but the Swift runtime's."""
    out = subprocess.run(["ldd", binary], capture_output=True, text=True, check=True).stdout
    packages = set()
    for line in out.splitlines():
        match = re.search(r"=> (/\S+)", line)
        if not match or match.group(1).startswith("/opt/swift"):
            continue
        real = os.path.realpath(match.group(1))
        for candidate in (real, "/usr" + real if not real.startswith("/usr") else real[4:]):
            found = subprocess.run(["dpkg", "-S", candidate], capture_output=True, text=True)
            if found.returncode == 0:
                packages.add(found.stdout.split(":")[0])
                break
        else:
            packages.add(f"(no package owns {real})")
    return packages - BASE_IMAGE_PACKAGES


def containerfile_problems(root, binaries):
    problems = []
    with open(os.path.join(root, "Package.swift")) as file:
        products = re.findall(r'\.executable\(name: "([^"]+)"', file.read())
    toolchain = re.search(r"Swift version (\S+)", subprocess.run(
        ["swift", "--version"], capture_output=True, text=True).stdout)
    for product in products:
        path = os.path.join(root, "k8s/images", product + ".Containerfile")
        if not os.path.exists(path):
            problems.append(f"{product}: no k8s/images/{product}.Containerfile")
            continue
        with open(path) as file:
            text = file.read()
        stages = re.split(r"^FROM ", text, flags=re.M)[1:]
        if len(stages) < 2:
            problems.append(f"{path}: one stage; build and runtime must be separate")
            continue
        build, runtime = stages[0], stages[-1]
        if toolchain and f"swift:{toolchain.group(1)}-" not in build.split("\n")[0]:
            problems.append(f"{path}: builds with another Swift than this toolchain ({toolchain.group(1)})")
        if f"--product {product}" not in build or "--static-swift-stdlib" not in build:
            problems.append(f"{path}: must build --product {product} with --static-swift-stdlib")
        user = re.search(r"^USER (\d+)(:\d+)?$", runtime, flags=re.M)
        if not user or user.group(1) == "0":
            problems.append(f"{path}: the runtime stage must switch to a numeric non-root USER")
        if f'ENTRYPOINT ["/usr/local/bin/{product}"]' not in runtime:
            problems.append(f"{path}: ENTRYPOINT must be /usr/local/bin/{product}")
        installed = set(re.findall(r"[a-z0-9][a-z0-9.+-]+", " ".join(
            re.findall(r"apt-get install -y --no-install-recommends ([^\\\n&]+)", runtime))))
        missing = linked_packages(os.path.join(binaries, product)) - installed
        if missing:
            problems.append(f"{path}: the runtime stage lacks {', '.join(sorted(missing))} ({product} links them)")
    return problems


def self_test(docs, root):
    """Each mutation must be caught by `check`; returns the ones that were not."""
    def deployment(d, app):
        return next(x for x in d if x["kind"] == "Deployment" and x["metadata"]["name"] == app)

    def first(d, kind):
        return next(x for x in d if x["kind"] == kind)

    mutations = {
        "a writable root": lambda d: deployment(d, "sopz-dispatcher")["spec"]["template"]["spec"]["containers"][0]
        ["securityContext"].update(readOnlyRootFilesystem=False),
        "a pod as root": lambda d: deployment(d, "sopz-ingress")["spec"]["template"]["spec"]["securityContext"]
        .update(runAsNonRoot=False),
        "no readiness probe": lambda d: deployment(d, "sopz-notifier")["spec"]["template"]["spec"]["containers"][0]
        .pop("readinessProbe"),
        "a misspelt Deployment field": lambda d: deployment(d, "sopz-projector")["spec"].update(replica=2),
        "a misspelt CRD field": lambda d: first(d, "Certificate")["spec"].update(dnsName=["x"]),
        "a KEDA value that is no string": lambda d: first(d, "ScaledObject")["spec"]["triggers"][0]["metadata"]
        .update(value=200),
        "an unknown Secret": lambda d: deployment(d, "sopz-dispatcher")["spec"]["template"]["spec"]["volumes"][0]
        ["secret"].update(secretName="nowhere"),
        "no default deny": lambda d: d.remove(next(x for x in d if x["kind"] == "NetworkPolicy"
                                                    and x["metadata"]["name"] == "default-deny")),
        "no budget": lambda d: [d.remove(x) for x in list(d) if x["kind"] == "PodDisruptionBudget"],
        "an untagged image": lambda d: deployment(d, "sopz-ingress")["spec"]["template"]["spec"]["containers"][0]
        .update(image="sopz-ingress"),
    }
    missed = []
    for label, mutate in mutations.items():
        broken = copy.deepcopy(docs)
        mutate(broken)
        if not check(broken, root):
            missed.append(label)
    return missed


def main():
    root = sys.argv[1]
    if sys.argv[2:3] == ["--containerfiles"]:
        problems = containerfile_problems(root, sys.argv[3])
        for problem in problems:
            print(problem)
        if problems:
            raise SystemExit(f"{len(problems)} problem(s) in k8s/images/")
        print(f"k8s/images/: {len(glob.glob(os.path.join(root, 'k8s/images/*.Containerfile')))} Containerfiles"
              " install what their executables link")
        return
    rendered = {path: render(root, path) for path in RENDERED}
    missed = self_test(rendered["k8s/overlays/production"], root)
    if missed:
        raise SystemExit("the manifest checks do not catch: " + "; ".join(missed))
    problems = []
    for path, docs in rendered.items():
        beside = rendered[RENDERED[path]] if RENDERED[path] else []
        problems += [f"{path}: {p}" for p in check(beside + docs, root)]
    for problem in problems:
        print(problem)
    if problems:
        raise SystemExit(f"{len(problems)} problem(s) in k8s/")
    counts = ", ".join(f"{path} {len(docs)} objects" for path, docs in rendered.items())
    print(f"k8s/ valid: {counts}")


if __name__ == "__main__":
    main()
