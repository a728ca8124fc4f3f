import { Metadata, status, type ServiceError } from '@grpc/grpc-js';
import { ErrorCode } from '../errors.js';
import { isUnimplemented, toApiError } from './error-mapping.js';
import {
  Membership,
  type CheckMembershipResponse,
  type CheckMembershipsRequest,
  type CheckMembershipsResponse,
  type MembershipRequest,
} from './generated/chat.js';

export interface MembershipCheckCalls {
  /** CheckMembership, its failures already the API's errors (the gRPC error as `cause`). */
  one(request: MembershipRequest): Promise<CheckMembershipResponse>;
  /** CheckMemberships, likewise. */
  many(request: CheckMembershipsRequest): Promise<CheckMembershipsResponse>;
}

/** Most checks per CheckMemberships call; the service refuses more than 1,000. */
const CHECKS_PER_CALL = 500;

interface PendingCheck {
  request: MembershipRequest;
  resolve(response: CheckMembershipResponse): void;
  reject(error: unknown): void;
}

/**
 * Membership checks made during one turn of the event loop go to the Chat service together: a
 * lone check as CheckMembership, several as one CheckMemberships call. A burst of sockets
 * subscribing at once (after a deploy, or a network blip) then costs the gateway a few calls per
 * turn instead of one each: a gRPC call costs far more CPU and memory than the check it carries.
 * Each caller gets what CheckMembership would have answered, NOT_FOUND for an unknown group
 * included, and one caller's malformed check never fails another's. A Chat service that does not
 * implement CheckMemberships (UNIMPLEMENTED) is asked one CheckMembership per check from then on.
 */
export function batchMembershipChecks(calls: MembershipCheckCalls): (request: MembershipRequest) => Promise<CheckMembershipResponse> {
  let batchesImplemented = true;
  let pending: PendingCheck[] = [];

  const checkEach = (checks: PendingCheck[]) => {
    for (const check of checks) calls.one(check.request).then(check.resolve, check.reject);
  };

  const checkTogether = async (checks: PendingCheck[]) => {
    let answer: CheckMembershipsResponse;
    try {
      answer = await calls.many({ checks: checks.map((check) => check.request) });
    } catch (error) {
      if (isUnavailable(error)) {
        for (const check of checks) check.reject(error);
        return;
      }
      // Anything else may be one check's fault (a malformed id refuses the whole call): each is
      // asked alone, so that only its own caller sees the failure.
      if (isUnimplemented(error)) batchesImplemented = false;
      checkEach(checks);
      return;
    }
    checks.forEach((check, index) => settle(check, answer.memberships[index]));
  };

  const send = () => {
    const checks = pending;
    pending = [];
    if (checks.length === 1 || !batchesImplemented) return checkEach(checks);
    for (let start = 0; start < checks.length; start += CHECKS_PER_CALL) void checkTogether(checks.slice(start, start + CHECKS_PER_CALL));
  };

  return (request) =>
    new Promise((resolve, reject) => {
      if (pending.length === 0) setImmediate(send);
      pending.push({ request, resolve, reject });
    });
}

function settle(check: PendingCheck, membership: Membership | undefined): void {
  switch (membership) {
    case Membership.MEMBERSHIP_MEMBER:
      return check.resolve({ isMember: true });
    case Membership.MEMBERSHIP_NOT_MEMBER:
      return check.resolve({ isMember: false });
    case Membership.MEMBERSHIP_GROUP_NOT_FOUND:
      return check.reject(toApiError(serviceError(status.NOT_FOUND, `Group "${check.request.groupId}" does not exist.`), 'CheckMemberships'));
    default:
      return check.reject(new Error(`Chat RPC CheckMemberships answered ${membership ?? 'nothing'} for a check`));
  }
}

/** The error CheckMembership would have failed with, for one check of a batch. */
function serviceError(code: status, details: string): ServiceError {
  return Object.assign(new Error(`${code} ${status[code]}: ${details}`), { code, details, metadata: new Metadata() });
}

/** The service could not answer now: asking each check alone would fail the same way. */
function isUnavailable(error: unknown): boolean {
  return (error as { extensions?: { code?: unknown } }).extensions?.code === ErrorCode.Unavailable;
}
