import QRCode from 'qrcode';

/** Renders text (an otpauth:// URL) as a QR code PNG that authenticator apps can scan from a screen. */
export interface QrCodes {
  png(text: string): Promise<Buffer>;
}

export const pngQrCodes: QrCodes = {
  // Medium error correction and a quiet zone of 2 modules scan reliably off screens at 6 px a module.
  png: (text) => QRCode.toBuffer(text, { type: 'png', errorCorrectionLevel: 'M', margin: 2, scale: 6 }),
};
