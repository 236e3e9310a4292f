/**
 * What a Region code and AWS keys look like, checked before any key leaves the process. The SDK puts
 * the access key ID and session token into request headers and throws a plain TypeError (no AWS
 * answer at all) on a character a header cannot carry, so a malformed field must be named here.
 */

/** Region codes look like eu-west-1, us-gov-west-1, ap-southeast-4. */
export const REGION_CODE = /^[a-z]{2}(-[a-z]+)+-\d{1,2}$/;

/**
 * IAM documents access key IDs as 16 to 128 word characters; AWS issues them upper-case, starting
 * AKIA (an IAM user's long-term key) or ASIA (temporary credentials).
 */
export const ACCESS_KEY_ID = /^(AKIA|ASIA)[A-Z0-9]{12,124}$/;

/**
 * IAM documents no format for a secret access key (AWS issues 40 characters of letters, digits, + and
 * /); any printable ASCII without spaces is accepted, within sane bounds.
 */
export const SECRET_ACCESS_KEY_LENGTH = { min: 16, max: 128 } as const;

/**
 * STS documents no maximum for a session token ("typically less than 4096 bytes, but that can vary");
 * twice that leaves room for longer ones and still fits a request header.
 */
export const SESSION_TOKEN_MAX_LENGTH = 8192;

/** Printable ASCII without spaces: what a header can carry as is, and all AWS puts in a key or token. */
export const KEY_CHARACTERS = /^[\x21-\x7e]+$/;
