/**
 * The one place that knows the AWS console's address of a feature-flag configuration profile: the
 * AppConfig console's page of the profile (which lists its flags), opened in the profile's Region.
 * The console has no per-flag address and cannot pick the account from a link (the signed-in session
 * decides), so pages that show this link name the account beside it.
 */
export interface ProfileLocation {
  region: string;
  applicationId: string;
  configurationProfileId: string;
}

/** The console host of the Region's partition (China and GovCloud have consoles of their own). */
function consoleHost(region: string): string {
  if (region.startsWith('cn-')) return `${region}.console.amazonaws.cn`;
  if (region.startsWith('us-gov-')) return `${region}.console.amazonaws-us-gov.com`;
  return `${region}.console.aws.amazon.com`;
}

export function appConfigConsoleUrl(p: ProfileLocation): string {
  if (!/^[a-z]{2}(-[a-z]+)+-\d+$/.test(p.region)) throw new RangeError(`not an AWS Region: ${p.region}`);
  const enc = encodeURIComponent;
  return (
    `https://${consoleHost(p.region)}/appconfig/home?region=${p.region}` +
    `#/applications/${enc(p.applicationId)}/configurationprofiles/${enc(p.configurationProfileId)}`
  );
}
