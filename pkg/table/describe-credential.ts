// One line saying how a Provider authenticates, for `switchyard validate` and /debug/explain: the method and where
// the credential goes, never a value (no key, no secret, no access key id).
import type { TableCredential } from './types.ts';

export function describeCredential(c: TableCredential | null): string {
  if (c === null) return 'none';
  switch (c.kind) {
    case 'header':
      return `API key in the ${c.header} header`;
    case 'query':
      return `API key in the ${c.param} query parameter`;
    case 'sigv4':
      return `AWS SigV4 (${c.service}, ${c.region}) with static keys from a Secret${c.sessionToken === undefined ? '' : ' and a session token'}`;
    case 'aws-web-identity':
      return `AWS SigV4 (${c.service}, ${c.region}) with web identity: role ${c.roleArn ?? 'from AWS_ROLE_ARN'}, token file ${c.tokenFile ?? 'from AWS_WEB_IDENTITY_TOKEN_FILE'} of the proxy pod`;
    case 'google':
      return c.source === 'service-account'
        ? 'Google OAuth access token from a service-account key in a Secret'
        : 'Google OAuth access token from application default credentials of the proxy pod';
    case 'entra': {
      const how = c.value !== undefined
        ? 'client secret from a Secret'
        : `workload identity, token file ${c.federatedTokenFile ?? 'from AZURE_FEDERATED_TOKEN_FILE'} of the proxy pod`;
      return `Microsoft Entra ID token (tenant ${c.tenantId}, client ${c.clientId}): ${how}`;
    }
  }
}
