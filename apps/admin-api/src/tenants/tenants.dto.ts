import { ApiProperty } from '@nestjs/swagger';
import { IsString, Length } from 'class-validator';

export class CreateTenantDto {
  @ApiProperty({ example: 'Mama Njeri Supermarket' })
  @IsString()
  @Length(1, 200)
  name: string;
}

export class UpdateTenantDto extends CreateTenantDto {}

export class TenantResponse {
  @ApiProperty({ example: 'ten_0Hc3bQ2xk9aBcDeFgHjKmNpQr' }) id: string;
  @ApiProperty() name: string;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
  @ApiProperty({ format: 'date-time' }) updatedAt: string;
}
