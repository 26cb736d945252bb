export { fuzzPackets, FUZZ_REFERENCE, PACKET_MUTATIONS, type Accounts, type FuzzPacket, type PacketMutation } from './packets.js';
export { fuzzPayloads, PAYLOAD_KINDS, type FuzzPayload, type PayloadKind } from './payloads.js';
export { noOutcomes, runPacketCases, runPayloadCases, sendCase, sensorConnect, type CaseOutcome, type Target } from './run.js';
export { runFuzzCampaign, type Account, type CampaignOptions } from './campaign.js';
