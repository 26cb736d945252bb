export { createGateCounter, type GateCounter } from './gate-counter.js';
export { createRandom, type Random } from './random.js';
export { createScenario, truthAt, SCENARIOS, type Pass, type Scenario, type ScenarioName, type ScenarioOptions } from './scenarios.js';
export { finalBoots, planDeliveries, promisedCount, unavoidableLoss, type Delivery, type DeliveryKind, type FaultLog, type FaultOptions, type Plan } from './plan.js';
export { createSimulation, type Simulation, type SimulationOptions } from './simulation.js';
export { createRecorder, readRecording, replayRecording, RecordLine, type Recorder } from './recording.js';
export { createWeeks, type SimulatedDay, type WeeksHolidays, type WeeksOptions, type WeeksScenario } from './weeks.js';
