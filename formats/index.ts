export * from './types.js';
export { decodeNpy, parseNpyHeader, parseNpyDtype, isNpy, fortranToC, DEFAULT_MAX_ELEMENTS, type DecodeLimits } from './npy.js';
export { decodePng, isPng, type PngDecodeOptions } from './png.js';
export { decodeNifti, isGzip, sniffNifti, niftiAffine } from './nifti.js';
export { checkNiftiGeometry, niftiGeometryDifferences, type GeometryTolerance } from './geometry.js';
export { decodeMask, formatFromPath, sniffFormat, type DecodeOptions } from './decode.js';
export { inflateBounded, inflateHead, InflateLimitExceeded } from './inflate.js';
