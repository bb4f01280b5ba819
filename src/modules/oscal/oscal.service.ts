import type { AssessmentService } from '../assessments/assessments.service.js';
import { assessmentResults, planOfActionAndMilestones } from './oscal.export.js';

export interface OscalDownload {
  filename: string;
  document: Record<string, unknown>;
}

/** OSCAL documents of an assessment, named for download. */
export class OscalService {
  constructor(private readonly assessments: AssessmentService) {}

  async assessmentResults(assessmentId: string): Promise<OscalDownload> {
    const input = await this.assessments.oscalInput(assessmentId);
    return { filename: fileName('assessment-results', input.assessment), document: assessmentResults(input) };
  }

  async planOfActionAndMilestones(assessmentId: string): Promise<OscalDownload> {
    const input = await this.assessments.oscalInput(assessmentId);
    return { filename: fileName('poam', input.assessment), document: planOfActionAndMilestones(input) };
  }
}

function fileName(kind: string, assessment: { id: string; vendorName: string }): string {
  const slug = assessment.vendorName.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '') || 'vendor';
  return `${kind}-${slug}-${assessment.id.slice(0, 8)}.oscal.json`;
}
