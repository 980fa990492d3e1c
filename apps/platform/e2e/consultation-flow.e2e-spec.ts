import { PlatformClient } from '@vgp/testing';
import { consultationFlowScenario } from './scenarios/consultation-flow.scenario.js';
import { startTestPlatform, type TestPlatform } from './test-platform.js';

/**
 * The whole consultation flow over real HTTP and a real WebSocket, on the embedded platform:
 * two consultations at the same time with different clinicians, both switching media mid-call,
 * the shape of the incident this platform exists to prevent. (The distributed suite runs the same scenario.)
 */
describe('a consultation from booking to an audited replay', () => {
  let platform: TestPlatform;
  let api: PlatformClient;

  beforeAll(async () => {
    platform = await startTestPlatform();
    api = platform.client;
  });

  afterAll(async () => {
    await platform?.close();
  });

  it('keeps every party to their own consultation, and the audit shows who saw what', () =>
    consultationFlowScenario({ api, softwareVersion: platform.softwareVersion }));
});
