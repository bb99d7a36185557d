// What a Kubernetes request needs from RBAC (verb, group, resource, namespace, name) and what rendered Roles and
// ClusterRoles grant: the two sides the chart RBAC test compares.
import type { KubeObject } from '../support/kube.ts';

export interface Need {
  readonly verb: string;
  /** "" for the core group. */
  readonly group: string;
  /** Plural, with the subresource: "quotas/status". */
  readonly resource: string;
  /** "" for cluster-scoped requests or requests across all namespaces. */
  readonly namespace: string;
  readonly name: string;
}

export interface Grant {
  readonly verbs: readonly string[];
  readonly groups: readonly string[];
  readonly resources: readonly string[];
  readonly resourceNames: readonly string[];
  /** The Role's namespace; "" for a ClusterRole bound cluster-wide. */
  readonly namespace: string;
  /** "Kind/name" of the role that grants it. */
  readonly from: string;
}

/** The RBAC attributes of one request (what the API server's authorizer sees). */
export function needOf(method: string, pathAndQuery: string, streaming = false): Need {
  const [path = '', query = ''] = pathAndQuery.split('?');
  const parts = path.split('/').filter((p) => p !== '').map(decodeURIComponent);
  let group: string;
  let rest: string[];
  if (parts[0] === 'api') {
    group = '';
    rest = parts.slice(2);
  } else if (parts[0] === 'apis') {
    group = parts[1] ?? '';
    rest = parts.slice(3);
  } else {
    throw new Error(`not a resource path: ${path}`);
  }
  let namespace = '';
  if (rest[0] === 'namespaces' && rest.length >= 3) {
    namespace = rest[1] ?? '';
    rest = rest.slice(2);
  }
  const [plural = '', name = '', sub] = rest;
  const resource = sub === undefined ? plural : `${plural}/${sub}`;
  const watching = streaming || new URLSearchParams(query).get('watch') === 'true' || new URLSearchParams(query).get('watch') === '1';
  const verb = ({
    GET: name === '' ? (watching ? 'watch' : 'list') : 'get',
    POST: 'create', PUT: 'update', PATCH: 'patch', DELETE: name === '' ? 'deletecollection' : 'delete',
  } as Record<string, string>)[method] ?? method.toLowerCase();
  return { verb, group, resource, namespace, name };
}

interface Rule {
  apiGroups?: string[];
  resources?: string[];
  verbs?: string[];
  resourceNames?: string[];
}

/**
 * The rules the bindings give `subject` ("system:serviceaccount:NS:NAME"): a ClusterRole through a
 * ClusterRoleBinding applies everywhere, a Role (or ClusterRole) through a RoleBinding in the binding's namespace.
 */
export function grantsFor(objects: readonly KubeObject[], subject: { namespace: string; name: string }): Grant[] {
  const roles = new Map(objects.filter((o) => o.kind === 'Role' || o.kind === 'ClusterRole').map((o) => [`${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`, o]));
  const out: Grant[] = [];
  for (const b of objects.filter((o) => o.kind === 'RoleBinding' || o.kind === 'ClusterRoleBinding')) {
    const subjects = (b['subjects'] as { kind: string; name: string; namespace?: string }[] | undefined) ?? [];
    if (!subjects.some((s) => s.kind === 'ServiceAccount' && s.name === subject.name && s.namespace === subject.namespace)) continue;
    const ref = b['roleRef'] as { kind: string; name: string };
    const bindingNs = b.kind === 'RoleBinding' ? (b.metadata.namespace ?? '') : '';
    const role = roles.get(`${ref.kind}/${ref.kind === 'Role' ? bindingNs : ''}/${ref.name}`);
    if (!role) throw new Error(`${b.kind} ${b.metadata.name} refers to a missing ${ref.kind} ${ref.name}`);
    for (const r of (role['rules'] as Rule[] | undefined) ?? []) {
      out.push({
        verbs: r.verbs ?? [], groups: r.apiGroups ?? [], resources: r.resources ?? [], resourceNames: r.resourceNames ?? [],
        namespace: bindingNs, from: `${role.kind}/${role.metadata.name}`,
      });
    }
  }
  return out;
}

export function allows(g: Grant, n: Need): boolean {
  return g.verbs.includes(n.verb) && g.groups.includes(n.group) && g.resources.includes(n.resource)
    && (g.namespace === '' || g.namespace === n.namespace)
    && (g.resourceNames.length === 0 || (n.name !== '' && g.resourceNames.includes(n.name)));
}

/** "verb group/resource" — the granularity at which "used" and "granted" are compared. */
export function permissionKey(x: { verb: string; group: string; resource: string }): string {
  return `${x.verb} ${x.group === '' ? 'core' : x.group}/${x.resource}`;
}

export function grantKeys(g: Grant): string[] {
  return g.verbs.flatMap((verb) => g.groups.flatMap((group) => g.resources.map((resource) => permissionKey({ verb, group, resource }))));
}
