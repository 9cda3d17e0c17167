// signals: rt_sigframe setup and restore, sending, delivery and default actions, fault signals.
export * from './constants.ts';
export { encodeSiginfo, SIGINFO_SIZE, type SigInfo } from './siginfo.ts';
export { setupRtFrame, restoreRtFrame, sasSsFlags, onSigStack, RT_SIGFRAME_SIZE, FXSAVE_SIZE, type AltStack, type TrapState } from './frame.ts';
export { sendSignal, deliverSignals, forceSigFault, hasDeliverable, trapStateOf } from './delivery.ts';
